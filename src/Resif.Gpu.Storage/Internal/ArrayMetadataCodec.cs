
namespace Resif.Gpu.Storage.Internal;

/// <summary>Array metadata files (format_spec/metadata.md): entries applied oldest file first; a deletion removes the key.</summary>
internal static class ArrayMetadataCodec
{
    public static Dictionary<string, TileDbMetadataValue> Load(IEnumerable<(TimestampedName Name, string File)> files)
    {
        var result = new Dictionary<string, TileDbMetadataValue>(StringComparer.Ordinal);
        foreach (var (_, file) in files)
        {
            var (data, _, _) = GenericTile.Read(File.ReadAllBytes(file), 0, file);
            var r = new ByteReader(data, file);
            while (r.Remaining > 0)
            {
                string key = r.Utf8(r.U32());
                if (r.Bool()) { result.Remove(key); continue; }
                var type = (TileDbDatatype)r.U8();
                uint count = r.U32();
                result[key] = new TileDbMetadataValue(type, count, r.Take((long)count * TileDbTypes.Size(type)).ToArray());
            }
        }
        return result;
    }

    public static byte[] Serialize(IEnumerable<KeyValuePair<string, TileDbMetadataValue>> entries)
    {
        var w = new ByteWriter();
        foreach (var (key, value) in entries)
        {
            if (value.Bytes.Length != (long)value.Count * TileDbTypes.Size(value.Type))
                throw new ArgumentException($"metadata '{key}': {value.Bytes.Length} bytes for {value.Count} values of {value.Type}");
            w.U32((uint)System.Text.Encoding.UTF8.GetByteCount(key)).Utf8(key).Bool(false).U8((byte)value.Type).U32(value.Count).Bytes(value.Bytes);
        }
        return GenericTile.Write(w.ToArray());
    }
}
