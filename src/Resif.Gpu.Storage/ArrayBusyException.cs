namespace Resif.Gpu.Storage;

/// <summary>Another writer (this process or another) held the array's write lock for longer than the wait allowed.</summary>
public sealed class ArrayBusyException(string message) : IOException(message);
