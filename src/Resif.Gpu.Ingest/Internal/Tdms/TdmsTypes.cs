using System.Buffers.Binary;

namespace Resif.Gpu.Ingest.Internal.Tdms;

/// <summary>TDMS data type codes (tdsType*) used by DAS files.</summary>
internal enum TdmsType : uint
{
    Void = 0,
    I8 = 1,
    I16 = 2,
    I32 = 3,
    I64 = 4,
    U8 = 5,
    U16 = 6,
    U32 = 7,
    U64 = 8,
    Single = 9,
    Double = 10,
    SingleWithUnit = 0x19,
    DoubleWithUnit = 0x1A,
    String = 0x20,
    Boolean = 0x21,
    TimeStamp = 0x44,
}

internal static class TdmsTypes
{
    public static readonly DateTimeOffset LabViewEpoch = new(1904, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static int Size(this TdmsType type) => type switch
    {
        TdmsType.I8 or TdmsType.U8 or TdmsType.Boolean => 1,
        TdmsType.I16 or TdmsType.U16 => 2,
        TdmsType.I32 or TdmsType.U32 or TdmsType.Single or TdmsType.SingleWithUnit => 4,
        TdmsType.I64 or TdmsType.U64 or TdmsType.Double or TdmsType.DoubleWithUnit => 8,
        TdmsType.TimeStamp => 16,
        _ => throw new InvalidDataException($"TDMS data type 0x{(uint)type:x} is not supported"),
    };

    public static string DtypeName(this TdmsType type) => type switch
    {
        TdmsType.I8 => "int8", TdmsType.I16 => "int16", TdmsType.I32 => "int32", TdmsType.I64 => "int64",
        TdmsType.U8 => "uint8", TdmsType.U16 => "uint16", TdmsType.U32 => "uint32", TdmsType.U64 => "uint64",
        TdmsType.Single or TdmsType.SingleWithUnit => "float32", TdmsType.Double or TdmsType.DoubleWithUnit => "float64",
        _ => type.ToString(),
    };

    public static double ToDouble(this TdmsType type, ReadOnlySpan<byte> b, bool bigEndian) => type switch
    {
        TdmsType.I8 => (sbyte)b[0],
        TdmsType.U8 or TdmsType.Boolean => b[0],
        TdmsType.I16 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b),
        TdmsType.U16 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b),
        TdmsType.I32 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b),
        TdmsType.U32 => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b),
        TdmsType.I64 => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b),
        TdmsType.U64 => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b),
        TdmsType.Single or TdmsType.SingleWithUnit => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b),
        TdmsType.Double or TdmsType.DoubleWithUnit => bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b),
        _ => throw new InvalidDataException($"TDMS data type {type} is not numeric"),
    };

    public static float ToFloat(this TdmsType type, ReadOnlySpan<byte> b, bool bigEndian) => type switch
    {
        TdmsType.I16 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b),
        TdmsType.Single or TdmsType.SingleWithUnit => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b),
        _ => (float)type.ToDouble(b, bigEndian),
    };
}
