using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Resif.Gpu.Core.Internal;

/// <summary>
/// The arithmetic the Stockham butterflies of <see cref="FftStage"/> need, so that one generic body runs on 256-bit
/// or 512-bit registers (.NET 10 keeps <c>ISimdVector</c> internal). A 512-bit value covers two adjacent 8-lane
/// groups of the lane-major layout, i.e. two neighbouring butterflies of a pass whose stride is even.
/// </summary>
internal interface IFftVector<TSelf> where TSelf : unmanaged, IFftVector<TSelf>
{
    /// <summary>How many 8-lane groups one value spans.</summary>
    static abstract int Groups { get; }

    static abstract TSelf Broadcast(float value);

    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, float b);

    /// <summary>a·b + c, fused where the CPU has FMA.</summary>
    static abstract TSelf Mad(TSelf a, TSelf b, TSelf c);

    /// <summary>a·b − c.</summary>
    static abstract TSelf MulSub(TSelf a, TSelf b, TSelf c);

    /// <summary>c − a·b.</summary>
    static abstract TSelf NegMad(TSelf a, TSelf b, TSelf c);
}

/// <summary>One 8-lane group in a <see cref="Vector256{T}"/>.</summary>
internal readonly struct FftVector8(Vector256<float> value) : IFftVector<FftVector8>
{
    private readonly Vector256<float> _value = value;

    public Vector256<float> Value => _value;

    public static int Groups => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector8 Broadcast(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector8 operator +(FftVector8 a, FftVector8 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector8 operator -(FftVector8 a, FftVector8 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector8 operator -(FftVector8 a) => new(-a._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector8 operator *(FftVector8 a, FftVector8 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector8 operator *(FftVector8 a, float b) => new(a._value * b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector8 Mad(FftVector8 a, FftVector8 b, FftVector8 c) =>
        new(Fma.IsSupported ? Fma.MultiplyAdd(a._value, b._value, c._value) : a._value * b._value + c._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector8 MulSub(FftVector8 a, FftVector8 b, FftVector8 c) =>
        new(Fma.IsSupported ? Fma.MultiplySubtract(a._value, b._value, c._value) : a._value * b._value - c._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector8 NegMad(FftVector8 a, FftVector8 b, FftVector8 c) =>
        new(Fma.IsSupported ? Fma.MultiplyAddNegated(a._value, b._value, c._value) : c._value - a._value * b._value);
}

/// <summary>Two adjacent 8-lane groups in a <see cref="Vector512{T}"/>; only used where AVX-512F is present.</summary>
internal readonly struct FftVector16(Vector512<float> value) : IFftVector<FftVector16>
{
    private readonly Vector512<float> _value = value;

    public static int Groups => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector16 Broadcast(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector16 operator +(FftVector16 a, FftVector16 b) => new(a._value + b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector16 operator -(FftVector16 a, FftVector16 b) => new(a._value - b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector16 operator -(FftVector16 a) => new(-a._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector16 operator *(FftVector16 a, FftVector16 b) => new(a._value * b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector16 operator *(FftVector16 a, float b) => new(a._value * b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector16 Mad(FftVector16 a, FftVector16 b, FftVector16 c) => new(Avx512F.FusedMultiplyAdd(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector16 MulSub(FftVector16 a, FftVector16 b, FftVector16 c) => new(Avx512F.FusedMultiplySubtract(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FftVector16 NegMad(FftVector16 a, FftVector16 b, FftVector16 c) => new(Avx512F.FusedMultiplyAddNegated(a._value, b._value, c._value));
}
