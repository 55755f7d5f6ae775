namespace Resif.Gpu.Core;

/// <summary>A catalog of named arrays. Names are validated by the store and never used as client paths.</summary>
public interface IArrayStore
{
    IReadOnlyList<string> List();

    /// <summary>Throws <see cref="ArrayNotFoundException"/> for an unknown or invalid name.</summary>
    ArrayInfo Describe(string name);

    /// <summary>Opens an array for reading; the source stays consistent with the fragments present at open time.</summary>
    IArraySource Open(string name);
}

/// <summary>Read access to one 2-D array [channel, time] of float32 values.</summary>
public interface IArraySource : IDisposable
{
    ArrayInfo Info { get; }

    /// <summary>
    /// Reads rows <c>channelStart + k*channelStep</c> (k &lt; channelCount) and columns [timeStart, timeStart+timeCount)
    /// into <paramref name="destination"/>, C-order [channelCount, timeCount]. Touches only the tiles it needs. Every value
    /// of the destination is written (the fill value where the array holds none): callers may pass reused or uninitialised
    /// buffers.
    /// </summary>
    void Read(long channelStart, long channelCount, long channelStep, long timeStart, long timeCount, Span<float> destination);
}
