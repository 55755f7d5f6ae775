using System.Runtime.InteropServices;
using Resif.Gpu.Core;

namespace Resif.Gpu.Server.Web.Internal;

/// <summary>
/// Shrinks a 2-D result to a screen-sized grid while it streams: each cell keeps the sample of largest |x| among
/// the rows and columns it covers, with its sign, so spikes and wave fronts survive zooming out (a mean would
/// wash them out). Complex values are shown by their modulus. Row r goes to cell floor(r * cells / rows).
/// </summary>
internal sealed class PeakGrid
{
    private readonly long _columns;
    private readonly bool _complex;
    private readonly int[] _rowCell, _columnCell;
    private long _nextElement;

    public PeakGrid(TensorLayout layout, int maxRows, int maxColumns)
    {
        if (layout.Shape.Count != 2)
            throw new InvalidRequestException("operations", $"the viewer draws 2-D results; this pipeline gives dims ({string.Join(", ", layout.Dims)})");
        _columns = layout.Shape[1];
        _complex = layout.Type == ElementType.Complex64;
        _rowCell = CellOf(layout.Shape[0], maxRows);
        _columnCell = CellOf(_columns, maxColumns);
        Rows = _rowCell.Length == 0 ? 0 : _rowCell[^1] + 1;
        Columns = _columnCell.Length == 0 ? 0 : _columnCell[^1] + 1;
        Values = new float[Rows * Columns];
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>C-order [Rows, Columns] signed peaks.</summary>
    public float[] Values { get; }

    /// <summary>The first and one-past-last source index covered by each cell of an axis of <paramref name="length"/>.</summary>
    public static (long First, long End)[] CellRanges(long length, int maxCells)
    {
        var cells = CellOf(length, maxCells);
        int count = cells.Length == 0 ? 0 : cells[^1] + 1;
        var ranges = new (long First, long End)[count];
        for (int i = 0; i < cells.Length; i++) ranges[cells[i]] = (ranges[cells[i]].End == 0 ? i : ranges[cells[i]].First, i + 1);
        return ranges;
    }

    /// <summary>Adds the next bytes of the C-order little-endian result (chunks arrive in order, whole elements).</summary>
    public void Add(ReadOnlySpan<byte> chunk)
    {
        var floats = MemoryMarshal.Cast<byte, float>(chunk);
        int stride = _complex ? 2 : 1;
        long element = _nextElement;
        long row = element / _columns, column = element % _columns;
        int rowBase = _rowCell[row] * Columns;
        for (int i = 0; i < floats.Length; i += stride)
        {
            float value = _complex ? MathF.Sqrt(floats[i] * floats[i] + floats[i + 1] * floats[i + 1]) : floats[i];
            ref float cell = ref Values[rowBase + _columnCell[column]];
            if (MathF.Abs(value) > MathF.Abs(cell)) cell = value;
            if (++column == _columns && ++row < _rowCell.Length)
            {
                column = 0;
                rowBase = _rowCell[row] * Columns;
            }
        }
        _nextElement = element + floats.Length / stride;
    }

    private static int[] CellOf(long length, int maxCells)
    {
        long cells = Math.Min(length, maxCells);
        var map = new int[length];
        for (long i = 0; i < length; i++) map[i] = (int)(i * cells / length);
        return map;
    }
}
