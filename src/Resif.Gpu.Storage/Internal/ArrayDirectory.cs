using System.Text;
using Resif.Gpu.Core;

namespace Resif.Gpu.Storage.Internal;

/// <summary>
/// What an array folder holds (format_spec/array_file_hierarchy.md): schemas, committed fragments (v12+: a
/// <c>__commits/*.wrt</c> marker or a line of a <c>.con</c> file; older: a <c>.ok</c> file beside the fragment folder),
/// and metadata files. Missing sub-folders are treated as empty (arrays copied through git lose them).
/// </summary>
internal sealed class ArrayDirectory
{
    public required string Path { get; init; }

    /// <summary>Schema files, oldest first (empty for pre-v10 arrays, which have <c>__array_schema.tdb</c>).</summary>
    public required IReadOnlyList<TimestampedName> Schemas { get; init; }

    /// <summary>Committed fragments not superseded by consolidation, oldest first, with their folder.</summary>
    public required IReadOnlyList<(TimestampedName Name, string Folder)> Fragments { get; init; }

    public required IReadOnlyList<(TimestampedName Name, string File)> MetadataFiles { get; init; }

    public const string LegacySchemaFile = "__array_schema.tdb";

    public static ArrayDirectory Load(string path)
    {
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"array folder '{path}' does not exist");
        string schemaDir = System.IO.Path.Combine(path, "__schema");
        var schemas = Files(schemaDir).Select(f => TimestampedName.TryParse(System.IO.Path.GetFileName(f))).OfType<TimestampedName>().ToList();
        schemas.Sort(TimestampedName.Compare);
        if (schemas.Count == 0 && !File.Exists(System.IO.Path.Combine(path, LegacySchemaFile)))
        {
            if (File.Exists(System.IO.Path.Combine(path, "__array_metadata.tdb")) || Directory.EnumerateFiles(path, "*.tdb").Any(f => !f.EndsWith("__lock.tdb", StringComparison.Ordinal)))
                throw new NotSupportedException($"{path}: no array schema in a known layout; arrays written before TileDB 2.0 (format version < 5) are not supported");
            throw new DirectoryNotFoundException($"{path}: not a TileDB array (no __schema folder nor {LegacySchemaFile})");
        }
        return new ArrayDirectory
        {
            Path = path,
            Schemas = schemas,
            Fragments = LoadFragments(path),
            MetadataFiles = LoadMetadataFiles(System.IO.Path.Combine(path, "__meta")),
        };
    }

    private static IEnumerable<string> Files(string dir) => Directory.Exists(dir) ? Directory.EnumerateFiles(dir) : [];

    private static List<(TimestampedName, string)> LoadFragments(string path)
    {
        var committed = new Dictionary<string, string>(StringComparer.Ordinal); // fragment name -> folder
        string commitsDir = System.IO.Path.Combine(path, "__commits");
        string fragmentsDir = System.IO.Path.Combine(path, "__fragments");
        var ignored = new HashSet<string>(StringComparer.Ordinal);
        var vacuumed = new HashSet<string>(StringComparer.Ordinal);
        var commitFiles = Files(commitsDir).ToList();
        foreach (string file in commitFiles.Where(f => f.EndsWith(".ign", StringComparison.Ordinal)))
            foreach (string line in Lines(file)) ignored.Add(System.IO.Path.GetFileName(line));
        foreach (string file in commitFiles.Where(f => f.EndsWith(".vac", StringComparison.Ordinal)))
            foreach (string line in Lines(file)) vacuumed.Add(System.IO.Path.GetFileName(line.TrimEnd('/')));

        foreach (string file in commitFiles)
        {
            string name = System.IO.Path.GetFileName(file);
            if (name.EndsWith(".wrt", StringComparison.Ordinal)) committed[name[..^4]] = System.IO.Path.Combine(fragmentsDir, name[..^4]);
            else if (name.EndsWith(".con", StringComparison.Ordinal) && !ignored.Contains(name)) ReadConsolidatedCommits(file, fragmentsDir, committed);
            else if (name.EndsWith(".del", StringComparison.Ordinal) || name.EndsWith(".upd", StringComparison.Ordinal))
                throw new NotSupportedException($"{file}: delete/update commits are not supported");
        }
        // Pre-v12 layout: fragment folders in the array folder, committed by a sibling .ok file.
        foreach (string ok in Directory.EnumerateFiles(path, "*.ok"))
        {
            string name = System.IO.Path.GetFileName(ok)[..^3];
            committed[name] = System.IO.Path.Combine(path, name);
        }

        var fragments = new List<(TimestampedName Name, string Folder)>();
        foreach (var (name, folder) in committed)
        {
            if (vacuumed.Contains(name)) continue;
            var parsed = TimestampedName.TryParse(name) ?? throw new DataCorruptionException($"{path}: committed fragment '{name}' has no timestamped name");
            if (!Directory.Exists(folder)) throw new DataCorruptionException($"{path}: fragment '{name}' is committed but its folder is missing");
            fragments.Add((parsed, folder));
        }
        // A consolidated fragment covers the timestamp ranges of the fragments it replaced: drop those.
        fragments.RemoveAll(f => fragments.Any(g => f.Name.CoveredBy(g.Name)));
        fragments.Sort((a, b) => TimestampedName.Compare(a.Name, b.Name));
        return fragments;
    }

    /// <summary>A <c>.con</c> file: lines <c>__commits/NAME.wrt</c>; a delete commit line is followed by a binary condition.</summary>
    private static void ReadConsolidatedCommits(string file, string fragmentsDir, Dictionary<string, string> committed)
    {
        foreach (string line in Lines(file))
        {
            string name = System.IO.Path.GetFileName(line);
            if (name.EndsWith(".wrt", StringComparison.Ordinal)) committed[name[..^4]] = System.IO.Path.Combine(fragmentsDir, name[..^4]);
            else if (name.EndsWith(".del", StringComparison.Ordinal) || name.EndsWith(".upd", StringComparison.Ordinal))
                throw new NotSupportedException($"{file}: delete/update commits are not supported");
            else throw new DataCorruptionException($"{file}: unexpected consolidated commit line '{line}'");
        }
    }

    private static IEnumerable<string> Lines(string file) =>
        Encoding.UTF8.GetString(File.ReadAllBytes(file)).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0);

    private static List<(TimestampedName, string)> LoadMetadataFiles(string metaDir)
    {
        var vacuumed = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in Files(metaDir).Where(f => f.EndsWith(".vac", StringComparison.Ordinal)))
            foreach (string line in Lines(file)) vacuumed.Add(System.IO.Path.GetFileName(line));
        var files = new List<(TimestampedName Name, string File)>();
        foreach (string file in Files(metaDir))
        {
            string name = System.IO.Path.GetFileName(file);
            if (name.Contains('.') || vacuumed.Contains(name)) continue;
            if (TimestampedName.TryParse(name) is { } parsed) files.Add((parsed, file));
        }
        files.RemoveAll(f => files.Any(g => f.Name.CoveredBy(g.Name)));
        files.Sort((a, b) => TimestampedName.Compare(a.Name, b.Name));
        return files;
    }
}
