using Stateport.Storage.FlinkConfig;
using Stateport.Storage.Preflight;

namespace Stateport.Cli.Rendering;

/// <summary>Text and JSON output of <c>stateport doctor</c>. The report is already free of secrets.</summary>
internal static class DoctorRenderer
{
    public static void WriteText(CliContext context, PreflightReport report)
    {
        var output = context.Out;
        output.WriteLine("configuration (as Flink resolves it):");
        foreach (var fact in report.Facts)
        {
            output.WriteLine($"  {fact.Name,-17} {fact.Value}");
        }
        if (report.EffectiveKeys.Count > 0)
        {
            output.WriteLine("keys (as the plugin sees them):");
            foreach (var key in report.EffectiveKeys)
            {
                output.WriteLine($"  {key}");
            }
        }
        if (report.Findings.Count > 0)
        {
            output.WriteLine("findings:");
            foreach (var finding in report.Findings)
            {
                output.WriteLine($"  {finding}");
            }
        }
        output.WriteLine("checks:");
        foreach (var step in report.Steps)
        {
            output.WriteLine($"  {Status(step.Status),-4}  {step.Name,-20} {step.Evidence}");
            foreach (var fix in step.Fix)
            {
                output.WriteLine($"        fix: {fix}");
            }
        }
        var summary = $"{report.Count(PreflightStatus.Ok)} ok, {report.Count(PreflightStatus.Warn)} warn, {report.Count(PreflightStatus.Fail)} fail, {report.Count(PreflightStatus.Skip)} skipped";
        output.WriteLine(report.HasFailures ? $"PROBLEMS FOUND: {summary}" : $"OK: {summary}");
    }

    public static void WriteJson(CliContext context, PreflightReport report) => Json.Write(context, j =>
    {
        var resolution = report.Resolution;
        j.WriteStartObject();
        j.WriteBoolean("ok", !report.HasFailures);
        j.WriteStartObject("counts");
        foreach (var status in Enum.GetValues<PreflightStatus>())
        {
            j.WriteNumber(Status(status), report.Count(status));
        }
        j.WriteEndObject();
        j.WriteStartObject("config");
        j.WriteString("file", resolution.Configuration.FilePath ?? resolution.Configuration.FileName);
        j.WriteString("fileChoice", resolution.Configuration.FileChoice);
        j.WriteString("flinkVersion", resolution.Configuration.Version?.ToString());
        j.WriteString("plugin", FlinkKeySpelling.PluginName(resolution.Plugin));
        j.WriteString("pluginReason", resolution.PluginReason);
        j.WriteStartArray("facts");
        foreach (var fact in report.Facts)
        {
            j.WriteStartObject();
            j.WriteString("name", fact.Name.Trim());
            j.WriteString("value", fact.Value);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteStartArray("directories");
        foreach (var directory in resolution.Directories)
        {
            j.WriteStartObject();
            j.WriteString("role", directory.Role.ToString());
            j.WriteString("value", FlinkSecrets.RedactUserInfo(directory.Value));
            j.WriteString("key", directory.Key);
            j.WriteString("provenance", directory.Provenance);
            j.WriteBoolean("deprecatedKey", directory.FromDeprecatedKey);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        if (resolution.Entropy is { } entropy)
        {
            j.WriteStartObject("entropy");
            j.WriteString("key", entropy.Key);
            j.WriteNumber("length", entropy.Length);
            j.WriteEndObject();
        }
        j.WriteStartArray("effectiveKeys");
        foreach (var key in report.EffectiveKeys)
        {
            j.WriteStringValue(key);
        }
        j.WriteEndArray();
        j.WriteStartArray("findings");
        foreach (var finding in report.Findings)
        {
            j.WriteStartObject();
            j.WriteString("severity", finding.Severity.ToString().ToLowerInvariant());
            j.WriteString("key", finding.Key);
            j.WriteString("provenance", finding.Provenance);
            j.WriteString("message", finding.Message);
            j.WriteString("fix", finding.SuggestedFix);
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();
        j.WriteStartArray("steps");
        foreach (var step in report.Steps)
        {
            j.WriteStartObject();
            j.WriteString("name", step.Name);
            j.WriteString("status", Status(step.Status));
            j.WriteString("evidence", step.Evidence);
            j.WriteStartArray("fix");
            foreach (var fix in step.Fix)
            {
                j.WriteStringValue(fix);
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        j.WriteEndArray();
        j.WriteEndObject();
    });

    private static string Status(PreflightStatus status) => status switch
    {
        PreflightStatus.Ok => "ok",
        PreflightStatus.Warn => "warn",
        PreflightStatus.Fail => "fail",
        _ => "skip",
    };
}
