namespace Stateport.Cli;

/// <summary>The exit codes, the same for every command (documented in the README).</summary>
public static class ExitCodes
{
    /// <summary>Success: the job was done, or the check found nothing wrong.</summary>
    public const int Success = 0;
    /// <summary>The check found problems (verify, doctor); they are listed.</summary>
    public const int ProblemsFound = 1;
    /// <summary>Invalid usage or input: bad option, corrupt or unsupported _metadata, not a snapshot.</summary>
    public const int InvalidInput = 2;
    /// <summary>Storage, credential or network error.</summary>
    public const int StorageError = 3;
    /// <summary>Interrupted (Ctrl+C / SIGTERM); a rerun resumes.</summary>
    public const int Interrupted = 130;
    /// <summary>A bug in Stateport (unexpected exception).</summary>
    public const int InternalError = 70;
}

/// <summary>An expected failure with its exit code and one line for the user.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
