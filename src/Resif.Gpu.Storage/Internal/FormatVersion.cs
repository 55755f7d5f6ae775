namespace Resif.Gpu.Storage.Internal;

/// <summary>Which TileDB format versions this engine reads and which one it writes.</summary>
internal static class FormatVersion
{
    /// <summary>Version 5 (TileDB 2.0) is the first with per-dimension files and <c>.ok</c> commit markers.</summary>
    public const uint MinRead = 5;

    /// <summary>
    /// Version 23 (TileDB 2.30) only adds optional sections at the end of the fragment metadata footer
    /// (format_spec/array_format_history.md, fragment.md); see <see cref="FragmentMetadata"/>.
    /// </summary>
    public const uint MaxRead = 23;

    /// <summary>
    /// We write version 21 (TileDB 2.19-2.24): it has the <c>__fragments</c>/<c>__commits</c> layout, needs no
    /// current-domain block, and every TileDB 2.19+ (including 2.25-2.30, which read all older versions) opens it.
    /// The fixture <c>siftsmall-queries-v21</c> was written at this version, so our files can be compared field by field.
    /// </summary>
    public const uint Write = 21;

    public static void CheckReadable(uint version, string what)
    {
        if (version > MaxRead)
            throw new NotSupportedException($"{what}: format version {version} is newer than the newest supported version {MaxRead}");
        if (version < MinRead)
            throw new NotSupportedException($"{what}: format version {version} is older than the oldest supported version {MinRead} (TileDB 2.0)");
    }
}
