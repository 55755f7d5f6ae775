using System.Globalization;

namespace Resif.Gpu.Ingest.Internal;

/// <summary>Conversions of the time encodings vendors use, all to DateTimeOffset rounded to the microsecond.</summary>
internal static class DasTime
{
    public static DateTimeOffset FromUnixMicroseconds(long microseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks(checked(microseconds * 10));

    public static DateTimeOffset FromUnixNanoseconds(long nanoseconds) => FromUnixMicroseconds(RoundedQuotient(nanoseconds, 1000));

    public static DateTimeOffset FromUnixSeconds(double seconds) =>
        double.IsFinite(seconds) ? FromUnixMicroseconds((long)Math.Round(seconds * 1e6)) : throw new InvalidDataException($"time {seconds} is not a finite number of seconds");

    /// <summary>ISO 8601 with an offset or 'Z' (PRODML, DAS-RCN, AP Sensing); more than 7 fractional digits are cut.</summary>
    public static DateTimeOffset ParseIso(string text)
    {
        string trimmed = text.Trim();
        // .NET parses at most 7 fractional digits; DAS-RCN writes 9 (nanoseconds).
        var match = System.Text.RegularExpressions.Regex.Match(trimmed, @"^(.*\.\d{7})\d+(.*)$");
        if (match.Success) trimmed = match.Groups[1].Value + match.Groups[2].Value;
        return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? RoundToMicrosecond(t) : throw new InvalidDataException($"time '{text}' is not an ISO 8601 date");
    }

    public static DateTimeOffset RoundToMicrosecond(DateTimeOffset t) => new(RoundedQuotient(t.UtcTicks, 10) * 10, TimeSpan.Zero);

    /// <summary>
    /// value / divisor rounded half away from zero, in integers: today's ticks (6e17) and nanoseconds (1.7e18) are
    /// beyond a double's 2^53, where dividing in floating point is off by several units.
    /// </summary>
    private static long RoundedQuotient(long value, long divisor)
    {
        long quotient = Math.DivRem(value, divisor, out long remainder);
        if (2 * Math.Abs(remainder) >= divisor) quotient += Math.Sign(remainder);
        return quotient;
    }
}
