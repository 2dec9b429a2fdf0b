namespace Stateport.Storage.FlinkConfig;

public enum FlinkFindingSeverity
{
    Info,
    Warn,
    Error,
}

/// <summary>
/// One observation about a Flink configuration. Messages and fixes never contain secret values;
/// <see cref="SuggestedFix"/> is a line to paste into the config file (e.g. "s3.path.style.access: true").
/// </summary>
public sealed record FlinkFinding(
    FlinkFindingSeverity Severity,
    string? Key,
    string? Provenance,
    string Message,
    string? SuggestedFix = null)
{
    public override string ToString()
    {
        var severity = Severity switch
        {
            FlinkFindingSeverity.Error => "error",
            FlinkFindingSeverity.Warn => "warn",
            _ => "info",
        };
        var where = (Key, Provenance) switch
        {
            (null, null) => "",
            (null, _) => $" [{Provenance}]",
            (_, null) => $" {Key}",
            _ => $" {Key} [{Provenance}]",
        };
        var fix = SuggestedFix is null ? "" : $" (fix: {SuggestedFix})";
        return $"{severity}:{where}: {Message}{fix}";
    }
}

/// <summary>Malformed or unusable Flink configuration. The message names file:line, never a value.</summary>
public sealed class FlinkConfigException : Exception
{
    public FlinkConfigException(string message)
        : base(message)
    {
    }

    public FlinkConfigException()
    {
    }

    public FlinkConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
