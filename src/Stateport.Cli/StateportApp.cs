using System.CommandLine;
using Stateport.Cli.Commands;
using Stateport.Metadata;
using Stateport.Metadata.Paths;
using Stateport.Relocation.Snapshots;
using Stateport.Storage;
using Stateport.Storage.FlinkConfig;

namespace Stateport.Cli;

/// <summary>The <c>stateport</c> command: builds the command tree, runs it, maps every expected failure to one line and an exit code.</summary>
public static class StateportApp
{
    public static RootCommand CreateRootCommand(CliContext context)
    {
        var root = new RootCommand("Stateport: inspect, rewrite, relocate and verify Apache Flink checkpoints and savepoints on local disk and S3, without a JVM.")
        {
            InspectCommand.Create(context),
            RewriteCommand.Create(context),
            RelocateCommand.Create(context),
            VerifyCommand.Create(context),
            DoctorCommand.Create(context),
        };
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        var root = CreateRootCommand(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await context.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            }
            await context.Error.WriteLineAsync("Run 'stateport --help' for usage.").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Error,
                EnableDefaultExceptionHandler = false,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var (code, message) = Classify(e, cancellationToken);
            await context.Error.WriteLineAsync(message).ConfigureAwait(false);
            if (code == ExitCodes.InternalError || context.Env("STATEPORT_DEBUG") is not null)
            {
                await context.Error.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }
            return code;
        }
    }

    /// <summary>The one place where exceptions become exit codes.</summary>
    public static (int Code, string Message) Classify(Exception e, CancellationToken cancellationToken) => e switch
    {
        CliException c => (c.ExitCode, $"error: {c.Message}"),
        MetadataFormatException m => (ExitCodes.InvalidInput, $"error: {m.Message}"),
        SnapshotException s => (ExitCodes.InvalidInput, $"error: {s.Message}"),
        Stateport.Relocation.Planning.RelocationException r => (ExitCodes.InvalidInput, $"error: {r.Message}"),
        PathRewriteException r => (ExitCodes.InvalidInput, $"error: {r.Message}"),
        FlinkConfigException f => (ExitCodes.InvalidInput, $"error: {f.Message}"),
        FormatException f => (ExitCodes.InvalidInput, $"error: {f.Message}"),
        StorageException s => (ExitCodes.StorageError, $"error: {s.Message}"),
        Stateport.Relocation.RelocationLockException l => (ExitCodes.StorageError, $"error: {l.Message}"),
        OperationCanceledException when cancellationToken.IsCancellationRequested => (ExitCodes.Interrupted, "interrupted: nothing was left half-written; rerun the same command to resume"),
        UnauthorizedAccessException u => (ExitCodes.StorageError, $"error: {u.Message}"),
        DirectoryNotFoundException d => (ExitCodes.StorageError, $"error: {d.Message}"),
        IOException io => (ExitCodes.StorageError, $"error: {io.Message}"),
        _ => (ExitCodes.InternalError, $"internal error (a bug in stateport, please report it): {e.GetType().Name}: {e.Message}"),
    };
}
