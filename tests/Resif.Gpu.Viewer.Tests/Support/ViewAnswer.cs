using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Resif.Gpu.Viewer.Tests.Support;

/// <summary>A /api/view answer: uint32 header length, JSON header, padding to 4 bytes, float32 [rows, columns].</summary>
public sealed record ViewAnswer(JsonElement Header, float[] Values)
{
    public int Rows => Header.GetProperty("grid")[0].GetInt32();

    public int Columns => Header.GetProperty("grid")[1].GetInt32();

    public static ViewAnswer Parse(byte[] body)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(body);
        var header = JsonDocument.Parse(body.AsMemory(4, headerLength)).RootElement;
        int offset = (4 + headerLength + 3) / 4 * 4;
        var values = MemoryMarshal.Cast<byte, float>(body.AsSpan(offset)).ToArray();
        return new ViewAnswer(header, values);
    }
}
