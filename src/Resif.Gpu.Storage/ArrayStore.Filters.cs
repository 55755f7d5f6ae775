using Resif.Gpu.Core;

namespace Resif.Gpu.Storage;

public sealed partial class ArrayStore
{
    /// <summary>The grammar of <see cref="ParseDataFilters"/>, for help texts and error messages.</summary>
    public const string DataFiltersSyntax = "'none', or filters joined by '+' in pipeline order: zstd[:LEVEL], lz4, shuffle, bitshuffle, sha256, md5";

    /// <summary>
    /// A data filter pipeline from its short text form, e.g. <c>shuffle+zstd:3</c> (the store's default; zstd frames
    /// carry their content checksum), <c>zstd:1</c>, <c>shuffle+zstd:3+sha256</c>, <c>lz4+sha256</c>, <c>sha256</c> or
    /// <c>none</c>; a pipeline with a byte shuffle gets one chunk per tile (<see cref="DefaultDataFilters"/>). Every such
    /// pipeline is a plain TileDB one, so real TileDB reads the arrays it writes. Which to choose is a trade between
    /// space, integrity and read speed (Storage README, "The default pipeline"): no filters reads fastest but detects no
    /// damage, nor does lz4 alone.
    /// </summary>
    /// <exception cref="InvalidRequestException">Unknown filter or zstd level out of range (field <c>filters</c>).</exception>
    public static TileDbFilterPipeline ParseDataFilters(string spec)
    {
        if (spec.Trim() == "none") return TileDbFilterPipeline.Empty;
        return StorePipeline(spec.Split('+').Select(token => token.Trim().Split(':') switch
        {
            ["zstd"] => new TileDbFilter(TileDbFilterType.Zstd, 3),
            ["zstd", var level] => new TileDbFilter(TileDbFilterType.Zstd, ZstdLevel(level, spec)),
            ["lz4"] => new TileDbFilter(TileDbFilterType.Lz4),
            ["shuffle"] => new TileDbFilter(TileDbFilterType.ByteShuffle),
            ["bitshuffle"] => new TileDbFilter(TileDbFilterType.BitShuffle),
            ["sha256"] => new TileDbFilter(TileDbFilterType.ChecksumSha256),
            ["md5"] => new TileDbFilter(TileDbFilterType.ChecksumMd5),
            _ => throw new InvalidRequestException("filters", $"unknown filter '{token}' in '{spec}': expected {DataFiltersSyntax}"),
        }).ToList());
    }

    private static int ZstdLevel(string text, string spec) =>
        int.TryParse(text, out int level) && level is >= MinZstdLevel and <= MaxZstdLevel
            ? level
            : throw new InvalidRequestException("filters", $"zstd level '{text}' in '{spec}' must be an integer in [{MinZstdLevel}, {MaxZstdLevel}]");
}
