using System.Runtime.InteropServices;
using System.Text;

namespace Resif.Gpu.Storage;

/// <summary>One array metadata value: <see cref="Count"/> values of <see cref="Type"/> as little-endian bytes.</summary>
public sealed record TileDbMetadataValue(TileDbDatatype Type, uint Count, byte[] Bytes)
{
    public bool IsString => Type is TileDbDatatype.StringAscii or TileDbDatatype.StringUtf8 or TileDbDatatype.Char;

    /// <summary>The text of a string value, or null for other types.</summary>
    public string? AsString() => IsString ? Encoding.UTF8.GetString(Bytes) : null;

    /// <summary>The values reinterpreted as <typeparamref name="T"/>; the size of T must match the stored type.</summary>
    public T[] As<T>() where T : unmanaged => Marshal.SizeOf<T>() == TileDbTypes.Size(Type)
        ? MemoryMarshal.Cast<byte, T>(Bytes).ToArray()
        : throw new InvalidCastException($"metadata of type {Type} cannot be read as {typeof(T).Name}");

    public static TileDbMetadataValue FromString(string text) => new(TileDbDatatype.StringUtf8, (uint)Encoding.UTF8.GetByteCount(text), Encoding.UTF8.GetBytes(text));

    public static TileDbMetadataValue FromDoubles(params double[] values) => new(TileDbDatatype.Float64, (uint)values.Length, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}
