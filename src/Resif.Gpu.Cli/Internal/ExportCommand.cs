using Resif.Gpu.Storage;

namespace Resif.Gpu.Cli.Internal;

internal sealed class ExportCommand : Command
{
    public override CommandSpec Spec { get; } = new("export",
        "Export one attribute of any TileDB dense array folder to .npy (C order, the attribute's own dtype).\n" +
        "By default only the written (non-empty) domain; --full-domain exports the whole schema domain.",
        "export ARRAY_PATH [--attribute NAME] [--full-domain] --out FILE.npy", ["ARRAY_PATH"], ["--attribute", "--out"], ["--full-domain"]);

    public override Task<int> RunAsync(Arguments args, CliContext context)
    {
        string path = args.Positional(0), output = args.Required("--out");
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"'{path}' is not a folder");
        long[] shape = TileDbExport.ToNpy(path, args.Value("--attribute"), output, nonEmptyDomainOnly: !args.Flag("--full-domain"));
        context.Out.WriteLine($"wrote {output} with shape ({string.Join(", ", shape)})");
        return Task.FromResult(CliApp.Success);
    }
}
