using System.Globalization;

namespace Resif.Gpu.Storage.Internal;

/// <summary><c>__t1_t2_uuid[_v]</c> (format_spec/timestamped_name.md); t1..t2 is the timestamp range the item covers.</summary>
internal sealed record TimestampedName(string Name, long T1, long T2, string Uuid, uint? Version)
{
    public static TimestampedName? TryParse(string fileName)
    {
        string name = StripKnownExtension(fileName);
        if (!name.StartsWith("__", StringComparison.Ordinal) || name.Contains('.')) return null;
        string[] parts = name[2..].Split('_');
        if (parts.Length is < 3 or > 4) return null;
        if (!long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long t1)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long t2)) return null;
        uint? version = null;
        if (parts.Length == 4)
        {
            if (!uint.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out uint v)) return null;
            version = v;
        }
        return new TimestampedName(name, t1, t2, parts[2], version);
    }

    private static string StripKnownExtension(string fileName)
    {
        foreach (string ext in (string[])[".ok", ".wrt", ".con", ".vac", ".ign", ".del", ".upd"])
            if (fileName.EndsWith(ext, StringComparison.Ordinal)) return fileName[..^ext.Length];
        return fileName;
    }

    /// <summary>True when this item's range lies inside <paramref name="other"/>'s and is not the same range: consolidated into it.</summary>
    public bool CoveredBy(TimestampedName other) => other.T1 <= T1 && T2 <= other.T2 && (other.T1, other.T2) != (T1, T2);

    /// <summary>Oldest first; equal ranges by name so the order is stable.</summary>
    public static int Compare(TimestampedName a, TimestampedName b) =>
        a.T1 != b.T1 ? a.T1.CompareTo(b.T1) : a.T2 != b.T2 ? a.T2.CompareTo(b.T2) : string.CompareOrdinal(a.Name, b.Name);

    public static string Create(long t1, long t2, uint? version) =>
        version is { } v ? $"__{t1}_{t2}_{Guid.NewGuid():N}_{v}" : $"__{t1}_{t2}_{Guid.NewGuid():N}";
}
