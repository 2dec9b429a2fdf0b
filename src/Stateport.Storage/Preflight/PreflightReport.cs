using Stateport.Storage.FlinkConfig;

namespace Stateport.Storage.Preflight;

/// <summary>Outcome of one preflight step.</summary>
public enum PreflightStatus
{
    Ok,
    Warn,
    Fail,
    Skip,
}

/// <summary>
/// One check against the live endpoint: what was observed (<see cref="Evidence"/>) and, when it is not
/// ok, the exact lines to paste into the Flink configuration (or other concrete actions) in <see cref="Fix"/>.
/// Never contains a secret.
/// </summary>
public sealed record PreflightStep(string Name, PreflightStatus Status, string Evidence, IReadOnlyList<string> Fix);

/// <summary>One line of the configuration summary ("endpoint", "http://rgw:7480 (from s3.endpoint, flink-conf.yaml:3)").</summary>
public sealed record PreflightFact(string Name, string Value);

/// <summary>What <c>doctor</c> found: the configuration as Flink resolves it, then each live check in probe order.</summary>
public sealed class PreflightReport
{
    public required FlinkS3Resolution Resolution { get; init; }

    /// <summary>The resolved configuration, one fact per line, secrets redacted.</summary>
    public required IReadOnlyList<PreflightFact> Facts { get; init; }

    /// <summary>Keys as the active plugin sees them, secrets redacted.</summary>
    public required IReadOnlyList<string> EffectiveKeys { get; init; }

    /// <summary>Loader and resolver findings (deprecated, unknown, ignored keys), without secret values.</summary>
    public required IReadOnlyList<FlinkFinding> Findings { get; init; }

    public required IReadOnlyList<PreflightStep> Steps { get; init; }

    public int Count(PreflightStatus status) => Steps.Count(s => s.Status == status);

    /// <summary>True when a step failed: Flink would not work with this configuration here.</summary>
    public bool HasFailures => Steps.Any(s => s.Status == PreflightStatus.Fail);
}

/// <summary>Inputs of <see cref="PreflightRunner.RunAsync"/> besides the resolved configuration.</summary>
public sealed record PreflightOptions
{
    /// <summary>The environment Flink runs with (AWS_*, IRSA variables); credentials are resolved from it.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Probe this bucket instead of the directories' bucket(s).</summary>
    public string? Bucket { get; init; }

    /// <summary>Probe this checkpoint directory instead of the configured one.</summary>
    public string? CheckpointDirectory { get; init; }

    public string? CaBundle { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>Per network call; there are no retries.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Skip PUT/DELETE probes: only read-only requests are made.</summary>
    public bool NoWrite { get; init; }
}
