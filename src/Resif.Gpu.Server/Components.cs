using Resif.Gpu.Core;

namespace Resif.Gpu.Server;

/// <summary>Opens embedded stores; shared by the server and the CLI's embedded path.</summary>
public static class StoreFactory
{
    public static IArrayStore Open(string path)
    {
        if (!Directory.Exists(path)) throw new InvalidRequestException("store", $"'{path}' is not a folder");
        throw new NotSupportedException("the TileDB-format store is not wired yet (storage branch)");
    }
}

/// <summary>The device provider the server and the CLI use when none is given.</summary>
public static class BackendProviders
{
    public static IBackendProvider Default { get; } = new CpuBackendProvider();
}
