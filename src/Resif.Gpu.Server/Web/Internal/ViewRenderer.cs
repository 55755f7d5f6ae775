using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Resif.Gpu.Core;
using Resif.Gpu.Core.Pipeline;
using Resif.Gpu.Server.Internal;

namespace Resif.Gpu.Server.Web.Internal;

/// <summary>
/// Runs a view request through the same planner and executor as a gRPC Reduce, and shrinks the result to the
/// canvas while it streams. Answer layout (little-endian): uint32 header length, UTF-8 JSON header, zero padding
/// to a multiple of 4, then float32 [rows, columns] of signed peaks.
/// </summary>
internal static class ViewRenderer
{
    /// <summary>Results above this are refused (the executor holds a block of them in memory), like a gRPC budget.</summary>
    public const long OutputBudgetBytes = 2L << 30;

    public static async Task<byte[]> RenderAsync(ReductionRunner runner, ViewRequest view, string grpcUrl, CancellationToken cancellationToken)
    {
        var plan = Plan(runner, view);
        var grid = new PeakGrid(plan.Output, view.Height, view.Width);
        string backend = "", device = "";
        ResultTrailer? trailer = null;
        using (var source = runner.Store.Open(plan.Source.Name))
        {
            await foreach (var part in ReductionExecutor.RunAsync(plan, source, runner.Backend, cancellationToken).ConfigureAwait(false))
            {
                switch (part)
                {
                    case ResultHeader h:
                        (backend, device) = (h.Backend, h.Device);
                        break;
                    case ResultChunk chunk:
                        grid.Add(chunk.Data.Span);
                        break;
                    case ResultTrailer t:
                        trailer = t;
                        break;
                }
            }
        }
        if (trailer is null) throw new InvalidOperationException("the executor ended without a trailer");

        var header = JsonSerializer.SerializeToUtf8Bytes(new
        {
            array = plan.Source.Name,
            dims = plan.Output.Dims,
            units = plan.Output.Units,
            complex = plan.Output.Type == ElementType.Complex64,
            shape = plan.Output.Shape,
            grid = new[] { grid.Rows, grid.Columns },
            axes = plan.Output.Coords.Select((c, i) => Axis(c, i == 0 ? view.Height : view.Width)).ToArray(),
            selection = SelectionOf(plan, view),
            provenance = plan.Provenance.Select(p => new { name = p.Name, parameters = p.Parameters }).ToArray(),
            serverSeconds = trailer.Elapsed.TotalSeconds,
            inputBytes = trailer.InputBytes,
            resultBytes = trailer.TotalBytes,
            sha256 = trailer.Sha256,
            backend,
            device,
            python = ReproduceSnippets.Python(grpcUrl, plan, view),
            cli = ReproduceSnippets.Cli(grpcUrl, plan, view),
        });
        int dataOffset = (4 + header.Length + 3) / 4 * 4;
        var answer = new byte[dataOffset + grid.Values.Length * sizeof(float)];
        BinaryPrimitives.WriteUInt32LittleEndian(answer, (uint)header.Length);
        header.CopyTo(answer, 4);
        MemoryMarshal.AsBytes(grid.Values.AsSpan()).CopyTo(answer.AsSpan(dataOffset));
        return answer;
    }

    /// <summary>
    /// Plans the request; when every operation works channel by channel and there are more channels than pixel rows,
    /// reads every k-th channel only (k = channels / rows) so a zoomed-out view does not read what it cannot show.
    /// </summary>
    private static ReductionPlan Plan(ReductionRunner runner, ViewRequest view)
    {
        var info = runner.Store.Describe(view.Array);
        var plan = Create(view.ChannelStep == 0 ? 1 : view.ChannelStep);
        long stride = plan.Selection.ChannelCount / view.Height;
        return view.ChannelStep == 0 && stride > 1 && plan.Operations.All(o => o.ChannelsIndependent) ? Create(stride) : plan;

        ReductionPlan Create(long step) => ReductionPlan.Create(info,
            new ReductionRequest(view.Array, new Selection(view.ChannelStart, view.ChannelStop, step, view.TimeStart, view.TimeEnd), view.Operations),
            runner.Registry, OutputBudgetBytes);
    }

    private static object SelectionOf(ReductionPlan plan, ViewRequest view)
    {
        var s = plan.Selection;
        var time = plan.Source.Layout.Coords[1];
        return new
        {
            channelStart = s.ChannelStart,
            channelStop = s.ChannelStart + (s.ChannelCount - 1) * s.ChannelStep + 1,
            channelStep = s.ChannelStep,
            channelCount = s.ChannelCount,
            timeStart = view.TimeStart,
            timeEnd = view.TimeEnd,
            firstSampleSeconds = time.ValueAt(s.TimeStart),
            lastSampleSeconds = time.ValueAt(s.TimeStart + s.TimeCount - 1),
        };
    }

    // Each cell's centre coordinate, and the index of the first result row/column it covers (the page maps clicks back with it).
    private static object Axis(Coordinate coordinate, int maxCells)
    {
        var ranges = PeakGrid.CellRanges(coordinate.Length, maxCells);
        return new
        {
            dim = coordinate.Dim,
            units = coordinate.Units,
            origin = coordinate.Origin?.ToString("O"),
            centres = ranges.Select(r => (coordinate.ValueAt(r.First) + coordinate.ValueAt(r.End - 1)) / 2).ToArray(),
            firstIndex = ranges.Select(r => r.First).ToArray(),
            labels = coordinate.Labels is { } labels ? ranges.Select(r => labels[(int)r.First]).ToArray() : null,
        };
    }
}
