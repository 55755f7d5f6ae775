using Grpc.Core;
using Resif.Gpu.Client;
using Resif.Gpu.Core;
using Resif.Gpu.Server.Configuration;

namespace Resif.Gpu.Cli.Internal;

/// <summary>Where a command writes and when it must stop.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error, CancellationToken CancellationToken)
{
    /// <summary>True when Error is this process's standard error and that is a terminal (progress lines are drawn only then).</summary>
    public bool ErrorIsTerminal => ReferenceEquals(Error, Console.Error) && !Console.IsErrorRedirected;
}

internal abstract class Command
{
    public abstract CommandSpec Spec { get; }

    public abstract Task<int> RunAsync(Arguments args, CliContext context);
}

/// <summary>
/// Entry point of resif-gpu: dispatches to a command and turns errors into exit codes: 0 success, 2 bad usage,
/// 1 anything else, with one line on stderr (no stack trace for user errors).
/// </summary>
internal static class CliApp
{
    public const int Success = 0, Failure = 1, BadUsage = 2;

    private static readonly Command[] Commands =
    [
        new DemoCommand(), new ServeCommand(), new IngestCommand(), new ListCommand(), new InfoCommand(),
        new ReduceCommand(), new ExportCommand(), new DevicesCommand(),
    ];

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Count == 0 ? stderr : stdout).Write(Overview());
            return args.Count == 0 ? BadUsage : Success;
        }
        var command = Commands.FirstOrDefault(c => c.Spec.Name == args[0]);
        if (command is null)
        {
            stderr.WriteLine($"resif-gpu: unknown command '{args[0]}' (commands: {string.Join(", ", Commands.Select(c => c.Spec.Name))})");
            return BadUsage;
        }
        var spec = command.Spec;
        try
        {
            var parsed = Arguments.Parse(spec, args.Skip(1).ToArray());
            if (parsed.HelpRequested)
            {
                stdout.Write(Help(spec));
                return Success;
            }
            return await command.RunAsync(parsed, new CliContext(stdout, stderr, cancellationToken)).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"resif-gpu {spec.Name}: {e.Message} (see 'resif-gpu {spec.Name} --help')");
            return BadUsage;
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            stderr.WriteLine($"resif-gpu {spec.Name}: {message}");
            return Failure;
        }
    }

    /// <summary>One line for errors a user can act on; null for bugs, which keep their stack trace.</summary>
    private static string? Describe(Exception e) => e switch
    {
        InvalidRequestException or ArrayNotFoundException or OutputBudgetExceededException or DataCorruptionException => e.Message,
        RpcException rpc => $"server answered {rpc.StatusCode}: {rpc.Status.Detail}",
        ResultIntegrityException => $"corrupt result stream: {e.Message}",
        OperationCanceledException => "cancelled",
        IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException or ServerConfigurationException => e.Message,
        _ => null,
    };

    private static string Overview() =>
        "resif-gpu: reduce DAS arrays next to the data (gRPC server, embedded store, demo)\n\nCommands:\n" +
        string.Concat(Commands.Select(c => $"  {c.Spec.Name,-8} {c.Spec.Summary.Split('\n')[0]}\n")) +
        "\nRun 'resif-gpu COMMAND --help' for a command's options.\n";

    private static string Help(CommandSpec spec) => $"usage: resif-gpu {spec.Usage}\n\n{spec.Summary}\n";
}
