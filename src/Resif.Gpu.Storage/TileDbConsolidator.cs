using System.Runtime.InteropServices;
using Resif.Gpu.Storage.Internal;

namespace Resif.Gpu.Storage;

/// <summary>
/// Fragment consolidation for dense arrays: all fragments in view become one fragment over the union of their
/// non-empty domains, named with the union of their timestamp ranges so readers (ours and TileDB's) stop looking at
/// the old ones; a <c>__commits/*.vac</c> file lists them, and vacuuming deletes them.
/// </summary>
public static class TileDbConsolidator
{
    /// <summary>Consolidates when there are at least two fragments; returns the new fragment name, or null.</summary>
    public static string? Consolidate(string path, bool vacuum = true)
    {
        using (TileDbWriter.LockArray(path)) return ConsolidateHoldingLock(path, vacuum);
    }

    /// <summary>For callers that already hold the array's write lock.</summary>
    internal static string? ConsolidateHoldingLock(string path, bool vacuum)
    {
        var array = TileDbArray.Open(path);
        if (array.FragmentCount < 2) return null;
        var schema = array.Schema;
        var domain = array.NonEmptyDomain!;
        long[] low = domain.Select(d => d.Low).ToArray();
        long[] high = domain.Select(d => d.High).ToArray();
        var old = array.FragmentNames;
        long t1 = old.Min(f => f.T1), t2 = old.Max(f => f.T2);
        // Read each tile's box through the reader: the new fragment holds exactly what a read shows now.
        string name = TileDbWriter.WriteFragment(path, schema, low, high, t1, t2, attribute => (lo, hi) =>
        {
            var ranges = lo.Select((l, d) => DimensionRange.Inclusive(l, hi[d])).ToArray();
            var box = GC.AllocateUninitializedArray<byte>(checked((int)ranges.Aggregate((long)attribute.CellSize, (a, r) => a * r.Count)), pinned: true);
            array.ReadDense(attribute.Name, ranges, box);
            return new CellBox(Marshal.UnsafeAddrOfPinnedArrayElement(box, 0), lo, hi, box);
        });
        string vacuumFile = Path.Combine(path, "__commits", TimestampedName.Create(t1, t2, FormatVersion.Write) + ".vac");
        TileDbWriter.WriteDurably(vacuumFile, System.Text.Encoding.UTF8.GetBytes(string.Concat(old.Select(f => $"__fragments/{f.Name}\n"))));
        if (vacuum) VacuumHoldingLock(path);
        return name;
    }

    /// <summary>
    /// Deletes fragments listed in vacuum files. Their commit markers go first and <c>__commits</c> is flushed before
    /// any folder is deleted, so neither a crash nor a power loss leaves a commit whose fragment is gone.
    /// </summary>
    public static void Vacuum(string path)
    {
        using (TileDbWriter.LockArray(path)) VacuumHoldingLock(path);
    }

    private static void VacuumHoldingLock(string path)
    {
        string commits = Path.Combine(path, "__commits");
        if (!Directory.Exists(commits)) return;
        foreach (string vacuumFile in Directory.GetFiles(commits, "*.vac"))
        {
            var kept = new List<string>();
            var uncommitted = new List<string>();
            foreach (string line in File.ReadAllLines(vacuumFile).Where(l => l.Length > 0))
            {
                string fragment = Path.GetFileName(line.TrimEnd('/'));
                string marker = Path.Combine(commits, fragment + ".wrt");
                // Fragments committed through a consolidated-commits file stay: deleting them would dangle that commit.
                if (!File.Exists(marker)) { kept.Add(line); continue; }
                File.Delete(marker);
                uncommitted.Add(Path.Combine(path, "__fragments", fragment));
            }
            Durability.FlushDirectory(commits);
            foreach (string folder in uncommitted.Where(Directory.Exists)) Directory.Delete(folder, recursive: true);
            if (kept.Count == 0) File.Delete(vacuumFile);
            else TileDbWriter.WriteDurably(vacuumFile, System.Text.Encoding.UTF8.GetBytes(string.Concat(kept.Select(l => l + "\n"))));
        }
    }
}
