using System.Text;
using Resif.Gpu.Storage;
using Xunit.Abstractions;

namespace Resif.Gpu.Storage.Tests;

/// <summary>Runs only when RESIF_TILEDB_TEST_ARRAYS names an extracted <c>arrays/</c> folder of TileDB-Unit-Test-Arrays.</summary>
public sealed class UnitTestArraysFactAttribute : FactAttribute
{
    public const string Variable = "RESIF_TILEDB_TEST_ARRAYS";

    public UnitTestArraysFactAttribute()
    {
        if (!Directory.Exists(Environment.GetEnvironmentVariable(Variable)))
            Skip = $"{Variable} is not set to an extracted 'arrays/' folder of github.com/TileDB-Inc/TileDB-Unit-Test-Arrays (too large to vendor: fetch and extract it outside the repository)";
    }
}

/// <summary>
/// Arrays written by real TileDB releases with every filter (github.com/TileDB-Inc/TileDB-Unit-Test-Arrays). Its
/// generator (src/test_array_builder.cc) gives each dense array <c>DENSE_vX_Y_Z_TYPE</c> the dimensions rows and cols,
/// domain [1, 4], tile extent 1, row-major; one attribute per (type, filter) named <c>attribute_TYPE_FILTER</c>
/// (nullable for every other type) plus a var-sized twin <c>attribute_variable_TYPE_FILTER</c>; and it writes only
/// cell (1, 1), with the value 1 (the character '1' for character types). So for every attribute we can read, cell
/// (1, 1) is 1 and cell (4, 4) is the schema's fill value; everything we cannot read must be refused with an error
/// that names what is unsupported: a filter by its name, a nullable or var-sized attribute, encryption, TileDB 1.x.
/// TileDB's own CI (.github/workflows/build-backwards-compatibility.yml, March 2026) reads the folders v1_4_0 to
/// v2_26_0 of that repository: the newest format there is v22 (TileDB 2.25-2.26); it holds no v23 array.
/// </summary>
public class UnitTestArraysTests(ITestOutputHelper output)
{
    [UnitTestArraysFact]
    public void DenseArraysOfEveryVersion_ReadTheGeneratorsValues_OrAreRefusedByName()
    {
        string root = Environment.GetEnvironmentVariable(UnitTestArraysFactAttribute.Variable)!;
        var failures = new List<string>();
        var verified = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal); // version -> filters read
        var refused = new SortedDictionary<string, int>(StringComparer.Ordinal); // reason -> count
        int arrays = 0;
        foreach (string array in Directory.EnumerateDirectories(root, "DENSE_*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            arrays++;
            string version = Path.GetFileName(Path.GetDirectoryName(array))!;
            TileDbArray opened;
            try { opened = TileDbArray.Open(array); }
            catch (NotSupportedException e) when (array.Contains("encryption", StringComparison.Ordinal))
            {
                if (!e.Message.Contains("encrypt", StringComparison.OrdinalIgnoreCase)) failures.Add($"{array}: refused, but not for its encryption: {e.Message}");
                Count(refused, "encrypted array");
                continue;
            }
            catch (NotSupportedException e) when (version.StartsWith("v1_", StringComparison.Ordinal))
            {
                // TileDB 1.x wrote format versions below 5, which we refuse (by version, not by crashing).
                if (!e.Message.Contains("not supported", StringComparison.Ordinal)) failures.Add($"{array}: refused unclearly: {e.Message}");
                Count(refused, "TileDB 1.x array");
                continue;
            }
            catch (Exception e) { failures.Add($"{array}: does not open: {e.GetType().Name}: {e.Message}"); continue; }

            foreach (var attribute in opened.Schema.Attributes)
                Check(opened, attribute, version, failures, verified, refused);
        }
        output.WriteLine($"{arrays} dense arrays under {root}");
        foreach (var (version, filters) in verified) output.WriteLine($"{version}: values read with filters {string.Join(", ", filters)}");
        foreach (var (reason, count) in refused) output.WriteLine($"refused by name: {reason} x {count}");
        Assert.True(arrays > 0, $"no DENSE_* array under {root}");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(50)) + $"\n({failures.Count} failures)");
    }

    private static void Check(TileDbArray array, TileDbAttribute attribute, string version, List<string> failures,
        SortedDictionary<string, SortedSet<string>> verified, SortedDictionary<string, int> refused)
    {
        string where = $"{array.Path}: attribute '{attribute.Name}'";
        // Every reason this attribute cannot be read; a refusal must name one of them.
        var reasons = attribute.Filters.Filters.Where(f => !IsReadable(f.Type)).Select(f => f.Type.ToString()).ToList();
        if (attribute.CellValNum == uint.MaxValue) reasons.Add("variable-sized");
        if (attribute.Nullable) reasons.Add("nullable");
        string? expectRefusal = reasons.Count > 0 ? string.Join(" or ", reasons) : null;
        try
        {
            var one = array.ReadDense(attribute.Name, [new DimensionRange(1, 1), new DimensionRange(1, 1)]);
            var corner = array.ReadDense(attribute.Name, [new DimensionRange(4, 1), new DimensionRange(4, 1)]);
            if (expectRefusal is not null) { failures.Add($"{where}: read although {expectRefusal}"); return; }
            byte[] expected = One(attribute.Type);
            if (!Bytes(one).SequenceEqual(expected))
                failures.Add($"{where}: cell (1, 1) is {Convert.ToHexString(Bytes(one))}, the generator wrote {Convert.ToHexString(expected)}");
            else if (!Bytes(corner).SequenceEqual(attribute.FillValue))
                failures.Add($"{where}: cell (4, 4) is {Convert.ToHexString(Bytes(corner))}, the fill value is {Convert.ToHexString(attribute.FillValue)}");
            else
            {
                if (!verified.TryGetValue(version, out var filters)) verified[version] = filters = new SortedSet<string>(StringComparer.Ordinal);
                filters.Add(attribute.Filters.Filters.Count == 0 ? "none" : string.Join("+", attribute.Filters.Filters.Select(f => f.Type)));
            }
        }
        catch (NotSupportedException e) when (expectRefusal is not null)
        {
            string? named = reasons.FirstOrDefault(r => e.Message.Contains(r, StringComparison.OrdinalIgnoreCase));
            if (named is null || !e.Message.Contains(attribute.Name, StringComparison.Ordinal))
                failures.Add($"{where}: refused without naming the attribute and one of {expectRefusal}: {e.Message}");
            else Count(refused, named);
        }
        catch (Exception e) { failures.Add($"{where}: {e.GetType().Name}: {e.Message}"); }
    }

    private static bool IsReadable(TileDbFilterType type) => type is TileDbFilterType.None or TileDbFilterType.Gzip or TileDbFilterType.Zstd
        or TileDbFilterType.Lz4 or TileDbFilterType.ByteShuffle or TileDbFilterType.BitShuffle or TileDbFilterType.Delta
        or TileDbFilterType.DoubleDelta or TileDbFilterType.ChecksumMd5 or TileDbFilterType.ChecksumSha256;

    /// <summary>The generator's value 1 in the attribute's type: an integer or float 1, or the character '1'.</summary>
    private static byte[] One(TileDbDatatype type)
    {
        int size = TileDbTypes.Size(type);
        return type switch
        {
            TileDbDatatype.Float32 => BitConverter.GetBytes(1f),
            TileDbDatatype.Float64 => BitConverter.GetBytes(1d),
            TileDbDatatype.Char or TileDbDatatype.StringAscii or TileDbDatatype.StringUtf8 => Encoding.ASCII.GetBytes("1"),
            _ when (byte)type is 13 or 15 => Encoding.Unicode.GetBytes("1"), // UTF-16, UCS-2
            _ when (byte)type is 14 or 16 => Encoding.UTF32.GetBytes("1"), // UTF-32, UCS-4
            _ => BitConverter.GetBytes(1L).AsSpan(0, size).ToArray(),
        };
    }

    private static byte[] Bytes(TileDbData data) => data.Values switch
    {
        byte[] b => b,
        sbyte[] a => Array.ConvertAll(a, v => (byte)v),
        var values => ToBytes(values),
    };

    private static byte[] ToBytes(Array values)
    {
        var bytes = new byte[Buffer.ByteLength(values)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static void Count(SortedDictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
}
