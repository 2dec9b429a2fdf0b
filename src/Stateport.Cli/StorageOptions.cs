using System.CommandLine;
using Stateport.Storage;
using Stateport.Storage.FlinkConfig;

namespace Stateport.Cli;

/// <summary>Which location a setting applies to.</summary>
public enum Side
{
    Source,
    Destination,
}

/// <summary>
/// The storage options every command that touches a location takes. Unprefixed options configure both
/// sides; on two-location commands <c>--src-…</c>/<c>--dst-…</c> configure one side each and win, so
/// provider A → provider B works in one run. Precedence, lowest first: AWS environment
/// (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_REGION) → --flink-config → direct flags.
/// </summary>
public sealed class StorageOptions
{
    private readonly SideOptions _both;
    private readonly SideOptions? _source;
    private readonly SideOptions? _destination;

    private StorageOptions(bool twoSided)
    {
        _both = new SideOptions("", "");
        if (twoSided)
        {
            _source = new SideOptions("src-", " (source only)");
            _destination = new SideOptions("dst-", " (destination only)");
        }
    }

    public static StorageOptions ForOneLocation() => new(twoSided: false);

    public static StorageOptions ForTwoLocations() => new(twoSided: true);

    public void AddTo(Command command)
    {
        _both.AddTo(command);
        _source?.AddTo(command);
        _destination?.AddTo(command);
    }

    /// <summary>Messages about the Flink configuration(s) that were read (warnings; no secrets).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>S3 settings for one side and bucket.</summary>
    public S3Settings Resolve(ParseResult parse, Side side, string bucket, CliContext context)
    {
        var sideOptions = side == Side.Source ? _source : _destination;
        var settings = new S3Settings();
        var envEndpoint = context.Env("AWS_ENDPOINT_URL_S3") ?? context.Env("AWS_ENDPOINT_URL");
        if (envEndpoint is not null)
        {
            settings = settings with { Endpoint = envEndpoint, Source = "AWS_ENDPOINT_URL" };
        }
        if ((context.Env("AWS_REGION") ?? context.Env("AWS_DEFAULT_REGION")) is { } envRegion)
        {
            settings = settings with { Region = envRegion };
        }

        var flinkConfig = sideOptions?.Value(parse, sideOptions.FlinkConfig) ?? _both.Value(parse, _both.FlinkConfig);
        if (flinkConfig is not null)
        {
            var resolution = FlinkConfigImport.Resolve(flinkConfig, context);
            foreach (var finding in resolution.Findings)
            {
                if (finding.Severity >= FlinkFindingSeverity.Warn)
                {
                    Notes.Add($"{Path.GetFileName(flinkConfig)}: {finding}");
                }
            }
            settings = resolution.SettingsForBucket(bucket);
        }

        settings = _both.Apply(parse, settings);
        if (sideOptions is not null)
        {
            settings = sideOptions.Apply(parse, settings);
        }
        return settings;
    }

    private sealed class SideOptions
    {
        private readonly string _prefix;

        public SideOptions(string prefix, string suffix)
        {
            _prefix = prefix;
            FlinkConfig = new Option<string?>($"--{prefix}flink-config") { Description = $"Take S3 settings from a Flink configuration file or conf directory (flink-conf.yaml or config.yaml){suffix}", HelpName = "FILE" };
            Endpoint = new Option<string?>($"--{prefix}endpoint", $"--{prefix}endpoint-url") { Description = $"S3 endpoint URL, e.g. http://rgw.local:7480 (default: AWS){suffix}", HelpName = "URL" };
            Region = new Option<string?>($"--{prefix}region") { Description = $"S3 signing region{suffix}" };
            PathStyle = new Option<bool?>($"--{prefix}path-style") { Description = $"Path-style addressing (default: true for custom endpoints, false for AWS){suffix}", HelpName = "true|false" };
            ListVersion = new Option<int?>($"--{prefix}list-version") { Description = $"ListObjects version: 1 for old Ceph RGW, 2 default{suffix}", HelpName = "1|2" };
            Profile = new Option<string?>($"--{prefix}profile") { Description = $"AWS credentials profile{suffix}" };
            AccessKey = new Option<string?>($"--{prefix}access-key") { Description = $"S3 access key id (prefer a profile or AWS_* environment){suffix}" };
            SecretKey = new Option<string?>($"--{prefix}secret-key") { Description = $"S3 secret key (visible in the process list: prefer a profile){suffix}" };
            CaBundle = new Option<string?>($"--{prefix}ca-bundle") { Description = $"PEM file with CA certificates to trust{suffix}", HelpName = "FILE" };
            Insecure = new Option<bool>($"--{prefix}insecure-skip-tls-verify") { Description = $"DANGEROUS: do not verify TLS certificates{suffix}" };
        }

        public Option<string?> FlinkConfig { get; }
        public Option<string?> Endpoint { get; }
        public Option<string?> Region { get; }
        public Option<bool?> PathStyle { get; }
        public Option<int?> ListVersion { get; }
        public Option<string?> Profile { get; }
        public Option<string?> AccessKey { get; }
        public Option<string?> SecretKey { get; }
        public Option<string?> CaBundle { get; }
        public Option<bool> Insecure { get; }

        public void AddTo(Command command)
        {
            foreach (var option in (Option[])[FlinkConfig, Endpoint, Region, PathStyle, ListVersion, Profile, AccessKey, SecretKey, CaBundle, Insecure])
            {
                command.Add(option);
            }
        }

        public T? Value<T>(ParseResult parse, Option<T> option) => parse.GetResult(option) is null ? default : parse.GetValue(option);

        public S3Settings Apply(ParseResult parse, S3Settings settings)
        {
            var flag = "--" + _prefix;
            if (Value(parse, Endpoint) is { } endpoint)
            {
                if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    throw new CliException(ExitCodes.InvalidInput, $"{flag}endpoint '{endpoint}': expected an http:// or https:// URL");
                }
                settings = settings with { Endpoint = endpoint.TrimEnd('/'), Source = $"{flag}endpoint" };
            }
            if (Value(parse, Region) is { } region)
            {
                settings = settings with { Region = region };
            }
            if (Value(parse, PathStyle) is { } pathStyle)
            {
                settings = settings with { PathStyle = pathStyle };
            }
            if (Value(parse, ListVersion) is { } listVersion)
            {
                if (listVersion is not (1 or 2))
                {
                    throw new CliException(ExitCodes.InvalidInput, $"{flag}list-version {listVersion}: expected 1 or 2");
                }
                settings = settings with { ListVersion = listVersion };
            }
            if (Value(parse, Profile) is { } profile)
            {
                settings = settings with { Credentials = new S3Credentials { Kind = S3CredentialKind.Profile, ProfileName = profile, Source = $"{flag}profile" } };
            }
            var accessKey = Value(parse, AccessKey);
            var secretKey = Value(parse, SecretKey);
            if (accessKey is not null || secretKey is not null)
            {
                if (accessKey is null || secretKey is null)
                {
                    throw new CliException(ExitCodes.InvalidInput, $"{flag}access-key and {flag}secret-key go together");
                }
                settings = settings with { Credentials = new S3Credentials { Kind = S3CredentialKind.Static, AccessKey = accessKey, SecretKey = secretKey, Source = $"{flag}access-key" } };
            }
            if (Value(parse, CaBundle) is { } caBundle)
            {
                if (!File.Exists(caBundle))
                {
                    throw new CliException(ExitCodes.InvalidInput, $"{flag}ca-bundle '{caBundle}': no such file");
                }
                settings = settings with { CaBundle = caBundle };
            }
            if (Value(parse, Insecure))
            {
                settings = settings with { InsecureSkipTlsVerify = true };
            }
            return settings;
        }
    }
}

/// <summary>Reads a Flink configuration for the storage options (file or conf directory).</summary>
internal static class FlinkConfigImport
{
    public static FlinkS3Resolution Resolve(string path, CliContext context)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new CliException(ExitCodes.InvalidInput, $"--flink-config '{path}': no such file or directory");
        }
        var environment = context.Environment;
        var configuration = FlinkConfigLoader.Load(path, new FlinkConfigLoadOptions
        {
            Environment = environment,
            FlinkProperties = context.Env("FLINK_PROPERTIES"),
        });
        return FlinkS3Resolver.Resolve(configuration, new FlinkS3ResolveOptions
        {
            Environment = environment,
            EnableBuiltInPlugins = context.Env("ENABLE_BUILT_IN_PLUGINS"),
        });
    }
}
