using Resif.Gpu.Core;

namespace Resif.Gpu.Storage.Internal;

/// <summary>A generic tile (format_spec/generic_tile.md): a self-describing header, its filter pipeline, then a tile.</summary>
internal static class GenericTile
{
    /// <summary>Reads the generic tile at <paramref name="offset"/>; returns its unfiltered bytes and the offset after it.</summary>
    public static (byte[] Data, long Next, uint Version) Read(byte[] file, long offset, string source)
    {
        if (offset < 0 || offset > file.Length) throw new DataCorruptionException($"{source}: generic tile offset {offset} is outside the file ({file.Length} bytes)");
        var r = new ByteReader(file, source, (int)offset);
        uint version = r.U32();
        long persisted = r.Size();
        long tileSize = r.Size();
        r.U8(); // datatype (always CHAR for generic tiles)
        r.U64(); // cell size
        byte encryption = r.U8();
        if (encryption != 0) throw new NotSupportedException($"{source}: encrypted arrays are not supported (encryption type {encryption})");
        uint pipelineSize = r.U32();
        int pipelineStart = r.Position;
        var pipeline = FilterCodec.ReadPipeline(r);
        if (r.Position - pipelineStart != pipelineSize)
            throw new DataCorruptionException($"{source}: generic tile filter pipeline is {r.Position - pipelineStart} bytes, header says {pipelineSize}");
        FilterCodec.CheckSupported(pipeline, source);
        var tile = new FilteredTile(r.Take(persisted).ToArray(), source);
        if (tile.OriginalLength != tileSize) throw new DataCorruptionException($"{source}: generic tile holds {tile.OriginalLength} bytes, header says {tileSize}");
        return (tile.Decode(pipeline, TileDbDatatype.Char, 0, tileSize), r.Position, version);
    }

    /// <summary>Writes a generic tile compressed with gzip level 1, as TileDB does for schemas and metadata.</summary>
    public static void Write(ByteWriter w, ReadOnlySpan<byte> data)
    {
        var pipeline = TileDbFilterPipeline.Of(new TileDbFilter(TileDbFilterType.Gzip, 1));
        byte[] tile = FilteredTile.Encode(data, pipeline, TileDbDatatype.Char, 1);
        var pipelineBytes = new ByteWriter();
        FilterCodec.WritePipeline(pipelineBytes, pipeline);
        w.U32(FormatVersion.Write).U64((ulong)tile.Length).U64((ulong)data.Length).U8((byte)TileDbDatatype.Char).U64(1).U8(0)
            .U32((uint)pipelineBytes.Length).Bytes(pipelineBytes.ToArray()).Bytes(tile);
    }

    public static byte[] Write(ReadOnlySpan<byte> data)
    {
        var w = new ByteWriter();
        Write(w, data);
        return w.ToArray();
    }
}
