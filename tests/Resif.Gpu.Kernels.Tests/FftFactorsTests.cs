using Resif.Gpu.Kernels.Internal;

namespace Resif.Gpu.Kernels.Tests;

/// <summary>The device FFT's host planning, against trial division written here independently.</summary>
public sealed class FftFactorsTests
{
    [Fact]
    public void Radices_multiply_to_the_length_and_exist_only_for_2_3_5_smooth_lengths()
    {
        for (int length = 1; length <= 5000; length++)
        {
            int[]? radices = FftFactors.Radices(length);
            if (!IsSmooth(length))
            {
                Assert.Null(radices);
                continue;
            }
            Assert.NotNull(radices);
            Assert.All(radices, radix => Assert.Contains(radix, new[] { 2, 3, 4, 5 }));
            Assert.Equal(length, radices.Aggregate(1, (product, radix) => product * radix));
            Assert.True(radices.Count(radix => radix == 2) <= 1, $"n={length}: two radix-2 passes where one radix-4 pass does");
        }
    }

    [Fact]
    public void Bluestein_padding_is_the_next_2_3_5_smooth_length()
    {
        for (int minimum = 1; minimum <= 5000; minimum++)
        {
            int padded = FftFactors.NextSmooth(minimum);
            Assert.True(padded >= minimum && IsSmooth(padded), $"{minimum} -> {padded}");
            for (int between = minimum; between < padded; between++) Assert.False(IsSmooth(between), $"{minimum} -> {padded} skips {between}");
        }
    }

    private static bool IsSmooth(int value)
    {
        for (int divisor = 7; divisor <= value; divisor++)
        {
            if (value % divisor == 0 && IsPrime(divisor)) return false;
        }
        return true;
    }

    private static bool IsPrime(int value)
    {
        for (int divisor = 2; divisor * divisor <= value; divisor++)
        {
            if (value % divisor == 0) return false;
        }
        return value > 1;
    }
}
