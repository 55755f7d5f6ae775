namespace Resif.Gpu.Core;

/// <summary>
/// A chain of <see cref="SosStage"/>s (as <see cref="IFilterKernels.SosChain"/> runs them) over consecutive column
/// ranges of the same rows, from <see cref="IFilterKernels.OpenSosChainStream"/>. Causal stages carry their float64
/// state exactly: their output is the whole-window output bit for bit. A zero-phase stage's forward pass does too;
/// its backward pass needs the future, so the stage holds back
/// <c>FilterDesign.DecayLength(sections, FilterDesign.StreamOverlapDecay)</c> samples and filters each piece it
/// releases backwards from rest that far beyond it (at <see cref="Finish"/>, from the true end as the whole-window
/// kernel does): the difference from the whole window is the start-state error decayed by that factor.
/// </summary>
public interface ISosChainStream
{
    /// <summary>
    /// Takes the next <paramref name="columns"/> samples of every row (<paramref name="input"/>: rows × columns, C
    /// order) and returns how many output columns are ready to <see cref="Take"/> (those of earlier calls included).
    /// </summary>
    int Push(ReadOnlySpan<float> input, int columns);

    /// <summary>Ends the rows (after the last <see cref="Push"/>) and returns how many output columns are ready.</summary>
    int Finish();

    /// <summary>Writes the ready output columns (rows × ready, C order) to <paramref name="output"/> and forgets them.</summary>
    void Take(Span<float> output);

    /// <summary>
    /// Starts over on new rows of the same count (the next channel block of a run) once the output of
    /// <see cref="Finish"/> was taken, keeping the buffers: fresh ones would fault their pages in again.
    /// </summary>
    void Restart();
}
