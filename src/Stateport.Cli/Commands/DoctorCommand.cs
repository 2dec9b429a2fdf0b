using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Stateport.Cli.Rendering;
using Stateport.Storage.FlinkConfig;
using Stateport.Storage.Preflight;

namespace Stateport.Cli.Commands;

internal static class DoctorCommand
{
    public static Command Create(CliContext context)
    {
        var flinkConfig = new Option<string>("--flink-config") { Description = "Flink configuration file or conf directory (flink-conf.yaml or config.yaml)", HelpName = "FILE", Required = true };
        var flinkVersion = new Option<string?>("--flink-version") { Description = "Flink version, e.g. 1.20.1 (default: inferred from lib/flink-dist-*.jar)", HelpName = "V" };
        var plugin = new Option<string?>("--plugin") { Description = "S3 plugin: hadoop, presto or native (default: from ENABLE_BUILT_IN_PLUGINS or the directory scheme)", HelpName = "hadoop|presto|native" };
        plugin.AcceptOnlyFromAmong("hadoop", "presto", "native");
        var dynamic = new Option<string[]>("-D") { Description = "Dynamic property key=value, applied last (repeatable)", HelpName = "key=value", AllowMultipleArgumentsPerToken = false };
        var bucket = new Option<string?>("--bucket") { Description = "Probe this bucket instead of the directories' bucket" };
        var checkpointDir = new Option<string?>("--checkpoint-dir") { Description = "Probe this checkpoint directory instead of the configured one", HelpName = "URI" };
        var caBundle = new Option<string?>("--ca-bundle") { Description = "PEM file with CA certificates to trust", HelpName = "FILE" };
        var insecure = new Option<bool>("--insecure-skip-tls-verify") { Description = "DANGEROUS: do not verify TLS certificates" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds per network call (no retries)", HelpName = "SECONDS", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var noWrite = new Option<bool>("--no-write") { Description = "Skip the PUT/DELETE probes (read-only checks only)" };
        var command = new Command("doctor", "Preflight a Flink S3 setup: show the configuration as Flink resolves it, then test DNS, TCP, TLS, credentials, bucket, listing, addressing and read/write/delete under the checkpoint and savepoint directories, with the config lines that fix each failure.")
        {
            flinkConfig, flinkVersion, plugin, dynamic, bucket, checkpointDir, caBundle, insecure, timeout, json, noWrite,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(flinkConfig)!;
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new CliException(ExitCodes.InvalidInput, $"--flink-config '{path}': no such file or directory");
            }
            var version = parse.GetValue(flinkVersion) is { } v ? FlinkVersion.Parse(v) : null;
            var seconds = parse.GetValue(timeout);
            if (seconds is <= 0 or > 600)
            {
                throw new CliException(ExitCodes.InvalidInput, $"--timeout {seconds}: expected 0 < SECONDS <= 600");
            }
            var ca = parse.GetValue(caBundle);
            if (ca is not null)
            {
                ValidateCaBundle(ca);
            }
            if (parse.GetValue(checkpointDir) is { } dir && (!Storage.StorageUri.TryParse(dir, out var uri, out var error) || !uri.IsS3))
            {
                throw new CliException(ExitCodes.InvalidInput, $"--checkpoint-dir '{dir}': expected an s3:// URI{(error is { Length: > 0 } ? $" ({error})" : "")}");
            }
            var environment = context.Environment;
            FlinkConfiguration configuration;
            try
            {
                configuration = FlinkConfigLoader.Load(path, new FlinkConfigLoadOptions
                {
                    Version = version,
                    Environment = environment,
                    FlinkProperties = context.Env("FLINK_PROPERTIES"),
                    DynamicProperties = parse.GetValue(dynamic) ?? [],
                });
            }
            catch (Exception e) when (e is (IOException and not Storage.StorageException) or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.InvalidInput, $"--flink-config '{path}': cannot read: {e.Message}");
            }
            var resolution = FlinkS3Resolver.Resolve(configuration, new FlinkS3ResolveOptions
            {
                Plugin = parse.GetValue(plugin) switch
                {
                    "presto" => FlinkS3Plugin.Presto,
                    "native" => FlinkS3Plugin.Native,
                    "hadoop" => FlinkS3Plugin.Hadoop,
                    _ => null,
                },
                Version = version,
                Environment = environment,
                EnableBuiltInPlugins = context.Env("ENABLE_BUILT_IN_PLUGINS"),
            });
            var report = await PreflightRunner.RunAsync(resolution, new PreflightOptions
            {
                Environment = environment,
                Bucket = parse.GetValue(bucket),
                CheckpointDirectory = parse.GetValue(checkpointDir),
                CaBundle = ca,
                InsecureSkipTlsVerify = parse.GetValue(insecure),
                Timeout = TimeSpan.FromSeconds(seconds),
                NoWrite = parse.GetValue(noWrite),
            }, cancellationToken);
            if (parse.GetValue(json))
            {
                DoctorRenderer.WriteJson(context, report);
            }
            else
            {
                DoctorRenderer.WriteText(context, report);
            }
            return report.HasFailures ? ExitCodes.ProblemsFound : ExitCodes.Success;
        });
        return command;
    }

    private static void ValidateCaBundle(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.InvalidInput, $"--ca-bundle '{path}': no such file");
        }
        try
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(path);
            if (roots.Count == 0)
            {
                throw new CliException(ExitCodes.InvalidInput, $"--ca-bundle '{path}': no certificate in the file");
            }
        }
        catch (CryptographicException e)
        {
            throw new CliException(ExitCodes.InvalidInput, $"--ca-bundle '{path}': not a PEM certificate file: {e.Message}");
        }
    }
}
