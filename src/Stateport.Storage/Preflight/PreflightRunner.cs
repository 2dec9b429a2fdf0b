using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Stateport.Storage.FlinkConfig;
using Stateport.Storage.S3;

namespace Stateport.Storage.Preflight;

/// <summary>
/// The live preflight of a Flink S3 setup (<c>stateport doctor</c>): DNS → TCP → TLS → credentials →
/// bucket (both addressing styles) → ListObjectsV2/V1 → PUT/GET/HEAD/LIST/DELETE under each state
/// directory → request checksums → clock skew. Every call has a short timeout and no retries; every
/// failure is a step with evidence and the Flink config lines that fix it. Probe objects are always deleted.
/// </summary>
public sealed partial class PreflightRunner
{
    private const string ProbePrefix = ".stateport-doctor-";

    private readonly FlinkS3Resolution _resolution;
    private readonly PreflightOptions _options;
    private readonly CancellationToken _cancellation;
    private readonly List<PreflightStep> _steps = [];
    private readonly List<string> _secrets = [];
    private readonly FlinkS3Plugin _plugin;
    private readonly FlinkVersion? _version;
    private readonly S3Settings _settings;
    private readonly Uri? _endpoint;
    private readonly string _endpointName;
    private readonly List<(string Role, StorageUri Uri, string Key)> _targets = [];
    private AWSCredentials? _credentials;
    private bool _reachable;
    private bool _credentialsOk;

    private PreflightRunner(FlinkS3Resolution resolution, PreflightOptions options, CancellationToken cancellation)
    {
        _resolution = resolution;
        _options = options;
        _cancellation = cancellation;
        _plugin = resolution.Plugin;
        _version = resolution.Configuration.Version;
        _settings = resolution.Settings;
        _endpointName = S3ObjectStore.EndpointName(_settings with { Region = RegionOf(_settings, options.Environment) });
        _endpoint = Uri.TryCreate(_endpointName, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : null;
        CollectSecrets();
    }

    /// <summary>Runs every step in probe order. Expected failures (network, credentials, S3 errors) become steps; only cancellation throws.</summary>
    public static async Task<PreflightReport> RunAsync(FlinkS3Resolution resolution, PreflightOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolution);
        ArgumentNullException.ThrowIfNull(options);
        var runner = new PreflightRunner(resolution, options, cancellationToken);
        await runner.ExecuteAsync().ConfigureAwait(false);
        return new PreflightReport
        {
            Resolution = resolution,
            Facts = runner.Facts().Select(f => f with { Value = runner.Scrub(f.Value) }).ToList(),
            EffectiveKeys = resolution.EffectiveKeys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => runner.Scrub(k.ToString())).ToList(),
            Findings = resolution.Findings.Select(f => f with { Message = runner.Scrub(f.Message), SuggestedFix = f.SuggestedFix is null ? null : runner.Scrub(f.SuggestedFix) }).ToList(),
            Steps = runner._steps.Select(s => s with { Evidence = runner.Scrub(s.Evidence), Fix = s.Fix.Select(runner.Scrub).ToList() }).ToList(),
        };
    }

    private async Task ExecuteAsync()
    {
        ConfigStep();
        await NetworkStepsAsync().ConfigureAwait(false);
        await CredentialsStepAsync().ConfigureAwait(false);
        if (!_reachable || !_credentialsOk || _targets.Count == 0)
        {
            var why = !_reachable ? "endpoint not reachable" : !_credentialsOk ? "no usable credentials" : "no S3 directory to probe";
            foreach (var name in (string[])["bucket", "addressing", "list", "probe", "checksums", "clock"])
            {
                Add(name, PreflightStatus.Skip, $"skipped: {why}");
            }
            return;
        }
        var buckets = _targets.Select(t => t.Uri.Bucket).Distinct(StringComparer.Ordinal).ToList();
        var usableBuckets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var bucket in buckets)
        {
            if (await BucketStepsAsync(bucket).ConfigureAwait(false))
            {
                usableBuckets.Add(bucket);
            }
        }
        var first = _targets.FirstOrDefault(t => usableBuckets.Contains(t.Uri.Bucket));
        if (first.Uri is null)
        {
            foreach (var name in (string[])["list", "probe", "checksums"])
            {
                Add(name, PreflightStatus.Skip, "skipped: no usable bucket");
            }
        }
        else
        {
            await ListStepAsync(first.Uri).ConfigureAwait(false);
            foreach (var target in _targets)
            {
                if (usableBuckets.Contains(target.Uri.Bucket))
                {
                    await ProbeStepAsync(target.Role, target.Uri, target.Key).ConfigureAwait(false);
                }
                else
                {
                    Add($"probe {target.Role}", PreflightStatus.Skip, $"skipped: bucket {target.Uri.Bucket} not usable");
                }
            }
            await ChecksumStepAsync(first.Uri).ConfigureAwait(false);
        }
        await ClockStepAsync().ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- configuration

    private void ConfigStep()
    {
        var fixes = new List<string>();
        foreach (var role in (FlinkDirectoryRole[])[FlinkDirectoryRole.Checkpoints, FlinkDirectoryRole.Savepoints, FlinkDirectoryRole.ChangelogBase, FlinkDirectoryRole.ForStPrimary])
        {
            var directory = _resolution.Directories.FirstOrDefault(d => d.Role == role);
            var value = directory?.Value;
            var key = directory?.Key ?? "";
            if (role == FlinkDirectoryRole.Checkpoints && _options.CheckpointDirectory is { } overridden)
            {
                value = overridden;
                key = "--checkpoint-dir";
            }
            if (value is null || !StorageUri.TryParse(value, out var uri, out _) || !uri.IsS3)
            {
                continue;
            }
            if (_options.Bucket is { } bucket)
            {
                uri = StorageUri.S3(bucket, uri.Key, uri.Scheme);
            }
            if (_resolution.Entropy is { } entropy && uri.Key.Contains(entropy.Key, StringComparison.Ordinal))
            {
                // Metadata lives where the marker is removed; data files under random prefixes need no separate probe.
                uri = StorageUri.Parse(entropy.WithoutMarker(uri.ToString()));
            }
            var label = role switch
            {
                FlinkDirectoryRole.Checkpoints => "checkpoints",
                FlinkDirectoryRole.Savepoints => "savepoints",
                FlinkDirectoryRole.ChangelogBase => "changelog",
                _ => "forst",
            };
            if (_targets.All(t => t.Uri.AsDirectory() != uri.AsDirectory()))
            {
                _targets.Add((label, uri, key));
            }
        }
        if (_targets.Count == 0 && _options.Bucket is { } onlyBucket)
        {
            _targets.Add(("bucket", StorageUri.S3(onlyBucket, ""), "--bucket"));
        }

        var errors = _resolution.Findings.Where(f => f.Severity == FlinkFindingSeverity.Error).ToList();
        var warnings = _resolution.Findings.Where(f => f.Severity == FlinkFindingSeverity.Warn).ToList();
        fixes.AddRange(errors.Concat(warnings).Select(f => f.SuggestedFix).OfType<string>().Distinct(StringComparer.Ordinal));
        var status = errors.Count > 0 ? PreflightStatus.Fail : warnings.Count > 0 ? PreflightStatus.Warn : PreflightStatus.Ok;
        var evidence = new StringBuilder($"{_resolution.Configuration.FileChoice}; {FlinkKeySpelling.PluginName(_plugin)}; ");
        evidence.Append(CultureInfo.InvariantCulture, $"{errors.Count} error(s), {warnings.Count} warning(s) in the configuration");
        if (_targets.Count == 0)
        {
            status = PreflightStatus.Fail;
            evidence.Append("; no s3:// checkpoint or savepoint directory to probe");
            fixes.Add($"{FlinkKeySpelling.CheckpointDirKey(_version)}: s3://<bucket>/checkpoints");
            fixes.Add($"{FlinkKeySpelling.SavepointDirKey(_version)}: s3://<bucket>/savepoints");
        }
        if (_resolution.EnabledPlugins.Count > 0 && !_resolution.EnabledPlugins.Contains(_plugin))
        {
            fixes.Add($"ENABLE_BUILT_IN_PLUGINS={PluginJar()}");
        }
        Add("config", status, evidence.ToString(), fixes);
    }

    private IEnumerable<PreflightFact> Facts()
    {
        var config = _resolution.Configuration;
        yield return new("config", config.FilePath is null ? config.FileChoice : $"{config.FilePath} ({config.FileChoice})");
        yield return new("flink version", _version?.ToString() ?? "unknown (pass --flink-version; key names follow 1.20+/2.x)");
        yield return new("plugin", $"{FlinkKeySpelling.PluginName(_plugin)} ({_resolution.PluginReason}); Docker image: ENABLE_BUILT_IN_PLUGINS={PluginJar()}");
        yield return new("endpoint", _settings.Endpoint is null ? $"{_endpointName} (AWS)" : $"{_settings.Endpoint}{Provenance("endpoint")}");
        yield return new("region", RegionOf(_settings, _options.Environment) + (_settings.Region is null ? " (default)" : ""));
        yield return new("addressing", (_settings.PathStyle ?? false) ? "path-style" : "virtual-hosted");
        yield return new("ssl", _endpoint?.Scheme == "https" ? "on (https)" : "off (http)");
        yield return new("list version", _plugin == FlinkS3Plugin.Hadoop ? $"v{_settings.ListVersion}" : "v2 (the plugin has no list-version key)");
        yield return new("credentials", _settings.Credentials.Describe());
        yield return new("credential chain", _resolution.DescribeCredentialChain());
        foreach (var step in _resolution.CredentialChain)
        {
            yield return new("  provider", step.ToString());
        }
        yield return new("entropy", _resolution.Entropy is { } e ? $"{e.Key} (length {e.Length}); probes use the metadata path (marker removed)" : "off");
        foreach (var directory in _resolution.Directories)
        {
            var current = directory.Role switch
            {
                FlinkDirectoryRole.Checkpoints => FlinkKeySpelling.CheckpointDirKey(_version),
                FlinkDirectoryRole.Savepoints => FlinkKeySpelling.SavepointDirKey(_version),
                _ => null,
            };
            var rename = directory.FromDeprecatedKey && current is not null && current != directory.Key ? $"; current name {current}" : "";
            yield return new(directory.Role.ToString().ToLowerInvariant(), $"{FlinkSecrets.RedactUserInfo(directory.Value)} (from {directory.Key}, {directory.Provenance}{(directory.FromDeprecatedKey ? ", old key name" : "")}{rename})");
        }
        foreach (var target in _targets)
        {
            yield return new("probe target", $"{target.Role}: {target.Uri.AsDirectory()}");
        }
    }

    private string Provenance(string suffix)
    {
        var key = _resolution.EffectiveKeys.FirstOrDefault(k => k.Key.EndsWith("." + suffix, StringComparison.Ordinal) && !k.Key.Contains(".bucket.", StringComparison.Ordinal));
        return key is null ? "" : $" (from {key.SourceKey}, {key.Provenance})";
    }

    private string PluginJar() => _version is null
        ? FlinkKeySpelling.PluginName(_plugin) + "-<exact Flink version>.jar"
        : FlinkKeySpelling.PluginJarName(_plugin, _version);

    // ---------------------------------------------------------------- DNS, TCP, TLS

    private async Task NetworkStepsAsync()
    {
        if (_endpoint is null)
        {
            Add("dns", PreflightStatus.Fail, $"endpoint '{_endpointName}' is not an http:// or https:// URL",
                [FixLine(FlinkS3Setting.Endpoint, "https://<host>:<port>") ?? "s3.endpoint: https://<host>:<port>"]);
            Add("tcp", PreflightStatus.Skip, "skipped: no endpoint");
            Add("tls", PreflightStatus.Skip, "skipped: no endpoint");
            return;
        }
        var host = _endpoint.IdnHost;
        var port = _endpoint.Port;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
            Add("dns", PreflightStatus.Ok, $"{host} is an IP address");
        }
        else
        {
            try
            {
                addresses = await WithTimeout(ct => Dns.GetHostAddressesAsync(host, ct)).ConfigureAwait(false);
                Add("dns", PreflightStatus.Ok, $"{host} → {string.Join(", ", addresses.Take(4).Select(a => a.ToString()))}");
            }
            catch (Exception e) when (Expected(e))
            {
                Add("dns", PreflightStatus.Fail, $"DNS lookup of {host} failed: {Describe(e)}",
                    [$"check the host in {EndpointKey()} (now {_endpointName})"]);
                Add("tcp", PreflightStatus.Skip, "skipped: DNS failed");
                Add("tls", PreflightStatus.Skip, "skipped: DNS failed");
                return;
            }
        }

        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
        try
        {
            using var socket = await ConnectAsync(address, port).ConfigureAwait(false);
            Add("tcp", PreflightStatus.Ok, $"TCP connect to {Format(address, port)} ok");
        }
        catch (Exception e) when (Expected(e))
        {
            var what = e is SocketException { SocketErrorCode: SocketError.ConnectionRefused } ? "refused" : Describe(e);
            Add("tcp", PreflightStatus.Fail, $"TCP connect to {Format(address, port)} {what}",
                [$"{EndpointKey()}: {_endpoint.Scheme}://{host}:<port the S3 service listens on> (now port {port}; is the service running?)"]);
            Add("tls", PreflightStatus.Skip, "skipped: TCP failed");
            return;
        }

        if (_endpoint.Scheme != "https")
        {
            Add("tls", PreflightStatus.Skip, $"plain HTTP endpoint ({_endpointName}); no TLS");
            _reachable = true;
            return;
        }
        await TlsStepAsync(address, host, port).ConfigureAwait(false);
    }

    private async Task TlsStepAsync(IPAddress address, string host, int port)
    {
        var errors = SslPolicyErrors.None;
        X509Certificate2? certificate = null;
        try
        {
            using var socket = await ConnectAsync(address, port).ConfigureAwait(false);
            using var stream = new NetworkStream(socket, ownsSocket: false);
            using var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, cert, chain, policy) =>
            {
                errors = policy;
                certificate = cert is null ? null : X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                return ValidateCertificate(cert, chain, policy);
            });
            await WithTimeout(ct => ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, ct)).ConfigureAwait(false);
            var trust = _options.InsecureSkipTlsVerify && errors != SslPolicyErrors.None ? $" (certificate NOT verified: {errors}; --insecure-skip-tls-verify)" : "";
            Add("tls", trust.Length > 0 ? PreflightStatus.Warn : PreflightStatus.Ok,
                $"TLS handshake with {host}:{port} ok ({ssl.SslProtocol}, certificate {certificate?.Subject ?? "?"}){trust}",
                trust.Length > 0 ? ["Flink's JVM verifies certificates: env.java.opts.all: -Djavax.net.ssl.trustStore=<jks> -Djavax.net.ssl.trustStorePassword=<pw>"] : []);
            _reachable = true;
        }
        catch (Exception e) when (Expected(e))
        {
            if (errors != SslPolicyErrors.None)
            {
                var kind = errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) ? $"certificate name mismatch for {host}" : $"certificate not trusted ({errors})";
                Add("tls", PreflightStatus.Fail, $"TLS handshake with {host}:{port}: {kind}; subject {certificate?.Subject ?? "?"}, issuer {certificate?.Issuer ?? "?"}",
                [
                    "env.java.opts.all: -Djavax.net.ssl.trustStore=<jks with the CA> -Djavax.net.ssl.trustStorePassword=<pw>",
                    "stateport: --ca-bundle <CA pem>",
                    .. errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) ? new[] { FixLine(FlinkS3Setting.PathStyle, "true") ?? "" }.Where(l => l.Length > 0) : [],
                ]);
                certificate?.Dispose();
                return;
            }
            certificate?.Dispose();
            if (await SpeaksPlainHttpAsync(address, host, port).ConfigureAwait(false))
            {
                var fixes = new List<string> { $"{FlinkKeySpelling.KeyFor(_plugin, FlinkS3Setting.Endpoint)}: http://{host}:{port}" };
                if (FixLine(FlinkS3Setting.Ssl, "false") is { } ssl)
                {
                    fixes.Add(ssl);
                }
                Add("tls", PreflightStatus.Fail, $"TLS handshake to an http port: {host}:{port} speaks plain HTTP (endpoint has no scheme or https://, TLS is on)", fixes);
                return;
            }
            Add("tls", PreflightStatus.Fail, $"TLS handshake with {host}:{port} failed: {Describe(e)}",
                [$"check the scheme and port of {EndpointKey()} (now {_endpointName})"]);
        }
    }

    private bool ValidateCertificate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None || _options.InsecureSkipTlsVerify)
        {
            return true;
        }
        if (_options.CaBundle is null || errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
        {
            return false;
        }
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(_options.CaBundle);
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        foreach (var element in chain?.ChainElements.ToArray() ?? [])
        {
            custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(leaf);
    }

    private async Task<bool> SpeaksPlainHttpAsync(IPAddress address, string host, int port)
    {
        try
        {
            using var socket = await ConnectAsync(address, port).ConfigureAwait(false);
            using var stream = new NetworkStream(socket, ownsSocket: false);
            var request = Encoding.ASCII.GetBytes($"HEAD / HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");
            await WithTimeout(ct => stream.WriteAsync(request, ct).AsTask()).ConfigureAwait(false);
            var buffer = new byte[5];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await WithTimeout(ct => stream.ReadAsync(buffer.AsMemory(read), ct).AsTask()).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            return read == 5 && Encoding.ASCII.GetString(buffer) == "HTTP/";
        }
        catch (Exception e) when (Expected(e))
        {
            return false;
        }
    }

    private async Task<Socket> ConnectAsync(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await WithTimeout(ct => socket.ConnectAsync(address, port, ct).AsTask()).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string Format(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";

    // ---------------------------------------------------------------- credentials

    private async Task CredentialsStepAsync()
    {
        var configured = _settings.Credentials;
        var environment = _options.Environment;
        var irsaPresent = environment.ContainsKey("AWS_WEB_IDENTITY_TOKEN_FILE");
        var providerSet = _resolution.EffectiveKeys.Any(k => k.Key is "fs.s3a.aws.credentials.provider");
        // Hadoop's default chain has no web identity: IRSA silently falls back to the node role.
        var irsaUnused = _plugin == FlinkS3Plugin.Hadoop && irsaPresent && !providerSet && configured.Kind != S3CredentialKind.Static;
        var irsaFix = $"fs.s3a.aws.credentials.provider: {FlinkKeySpelling.CredentialsProviderClass(FlinkS3Plugin.Hadoop, S3CredentialKind.WebIdentity)}";
        var chain = _resolution.DescribeCredentialChain();
        try
        {
            _credentials = CreateCredentials(configured, environment, out var failure);
            if (_credentials is null)
            {
                Add("credentials", PreflightStatus.Fail, $"{configured.Describe()}: {failure.Evidence} (chain: {chain})", failure.Fix);
                return;
            }
            var description = configured.Describe();
            if (_credentials is AnonymousAWSCredentials)
            {
                _credentialsOk = true;
                Add("credentials", PreflightStatus.Ok, $"anonymous (unsigned requests) (chain: {chain})");
                return;
            }
            var resolved = await WithTimeout(_ => _credentials.GetCredentialsAsync()).ConfigureAwait(false);
            _secrets.Add(resolved.SecretKey);
            if (resolved.Token is { Length: > 0 } token)
            {
                _secrets.Add(token);
            }
            _credentialsOk = true;
            var evidence = $"{description}: resolved, access key {S3Credentials.Redact(resolved.AccessKey)}{(resolved.UseToken ? " with session token" : "")} (chain: {chain})";
            if (irsaUnused)
            {
                Add("credentials", PreflightStatus.Warn, $"{evidence}; AWS_WEB_IDENTITY_TOKEN_FILE is set but flink-s3-fs-hadoop's default chain has no web identity, so IRSA is unused", [irsaFix]);
                return;
            }
            Add("credentials", PreflightStatus.Ok, evidence);
        }
        catch (Exception e) when (Expected(e))
        {
            _credentials = null;
            var fixes = new List<string>();
            if (irsaUnused)
            {
                fixes.Add(irsaFix);
            }
            if (configured.Kind == S3CredentialKind.WebIdentity)
            {
                fixes.Add("IAM: the role's trust policy must allow sts:AssumeRoleWithWebIdentity for system:serviceaccount:<namespace>:<service account> with audience sts.amazonaws.com");
            }
            var hint = irsaUnused ? "; AWS_WEB_IDENTITY_TOKEN_FILE is set but flink-s3-fs-hadoop's default chain has no web identity" : "";
            Add("credentials", PreflightStatus.Fail, $"{configured.Describe()} yielded no credentials: {Describe(e)}{hint} (chain: {chain})", fixes);
        }
    }

    private sealed record Failure(string Evidence, IReadOnlyList<string> Fix);

    /// <summary>SDK credentials built from the given environment (not the process's), so the run is hermetic.</summary>
    private AWSCredentials? CreateCredentials(S3Credentials configured, IReadOnlyDictionary<string, string> environment, out Failure failure)
    {
        failure = new Failure("", []);
        string? Env(string name) => environment.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
        switch (configured.Kind)
        {
            case S3CredentialKind.Static:
                if (string.IsNullOrEmpty(configured.AccessKey) || string.IsNullOrEmpty(configured.SecretKey))
                {
                    failure = new("static credentials need both an access key and a secret key",
                        [$"{FlinkKeySpelling.KeyFor(_plugin, FlinkS3Setting.AccessKey)}: <access key>", $"{FlinkKeySpelling.KeyFor(_plugin, FlinkS3Setting.SecretKey)}: <secret key>"]);
                    return null;
                }
                return configured.SessionToken is null
                    ? new BasicAWSCredentials(configured.AccessKey, configured.SecretKey)
                    : new SessionAWSCredentials(configured.AccessKey, configured.SecretKey, configured.SessionToken);
            case S3CredentialKind.Environment:
                var access = Env("AWS_ACCESS_KEY_ID") ?? Env("AWS_ACCESS_KEY");
                var secret = Env("AWS_SECRET_ACCESS_KEY") ?? Env("AWS_SECRET_KEY");
                if (access is null || secret is null)
                {
                    failure = new("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set", ["set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the Flink pods' environment"]);
                    return null;
                }
                _secrets.Add(secret);
                return Env("AWS_SESSION_TOKEN") is { } session ? new SessionAWSCredentials(access, secret, session) : new BasicAWSCredentials(access, secret);
            case S3CredentialKind.WebIdentity:
                var tokenFile = configured.WebIdentityTokenFile ?? Env("AWS_WEB_IDENTITY_TOKEN_FILE");
                var roleArn = configured.RoleArn ?? Env("AWS_ROLE_ARN");
                var kubernetes = new[]
                {
                    "Kubernetes: annotate the service account: eks.amazonaws.com/role-arn: arn:aws:iam::<account>:role/<role>",
                    "Kubernetes: run the JobManager and TaskManager pods with that service account (FlinkDeployment spec.serviceAccount) so the token is mounted",
                };
                if (tokenFile is null || roleArn is null)
                {
                    failure = new($"web identity is configured but {(tokenFile is null ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN")} is not set; failing before any S3 call", kubernetes);
                    return null;
                }
                if (!File.Exists(tokenFile))
                {
                    failure = new($"web identity token file {tokenFile} (AWS_WEB_IDENTITY_TOKEN_FILE) does not exist; failing before any S3 call", kubernetes);
                    return null;
                }
                try
                {
                    using var _ = File.OpenRead(tokenFile);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    failure = new($"web identity token file {tokenFile} is not readable: {OneLine(e.Message)}", kubernetes);
                    return null;
                }
                return new AssumeRoleWithWebIdentityCredentials(tokenFile, roleArn, configured.RoleSessionName ?? Env("AWS_ROLE_SESSION_NAME") ?? $"stateport-doctor-{System.Environment.ProcessId}");
            case S3CredentialKind.Profile:
                var profile = configured.ProfileName ?? Env("AWS_PROFILE") ?? "default";
                if (!new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile))
                {
                    failure = new($"profile '{profile}' not found in ~/.aws/credentials or ~/.aws/config", [$"create profile '{profile}' on the Flink hosts, or set AWS_PROFILE"]);
                    return null;
                }
                return fromProfile;
            case S3CredentialKind.Instance:
                return Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") is not null || Env("AWS_CONTAINER_CREDENTIALS_FULL_URI") is not null
                    ? new GenericContainerCredentials()
                    : new InstanceProfileAWSCredentials();
            case S3CredentialKind.Anonymous:
                return new AnonymousAWSCredentials();
            default:
                return DefaultAWSCredentialsIdentityResolver.GetCredentials(new AmazonS3Config());
        }
    }

    // ---------------------------------------------------------------- helpers

    private void Add(string name, PreflightStatus status, string evidence, IEnumerable<string>? fix = null) =>
        _steps.Add(new PreflightStep(name, status, evidence, fix?.Where(f => f.Length > 0).Distinct(StringComparer.Ordinal).ToList() ?? []));

    private string? FixLine(FlinkS3Setting setting, string value) => FlinkKeySpelling.FixLine(_plugin, setting, value);

    private string EndpointKey() => FlinkKeySpelling.KeyFor(_plugin, FlinkS3Setting.Endpoint) ?? "s3.endpoint";

    private async Task<T> WithTimeout<T>(Func<CancellationToken, Task<T>> action, bool cleanup = false)
    {
        // Cleanup (deleting probe objects) runs even when the caller cancelled.
        using var timeout = cleanup ? new CancellationTokenSource() : CancellationTokenSource.CreateLinkedTokenSource(_cancellation);
        timeout.CancelAfter(_options.Timeout);
        var task = action(timeout.Token);
        // Some SDK calls (credential providers) take no token: stop waiting for them anyway.
        var finished = await Task.WhenAny(task, Task.Delay(Timeout.Infinite, timeout.Token)).ConfigureAwait(false);
        if (finished != task)
        {
            if (!cleanup)
            {
                _cancellation.ThrowIfCancellationRequested();
            }
            _ = task.ContinueWith(t => t.Exception, TaskScheduler.Default);
            throw new TimeoutException($"no answer within {_options.Timeout.TotalSeconds:0.#}s");
        }
        return await task.ConfigureAwait(false);
    }

    private async Task WithTimeout(Func<CancellationToken, Task> action, bool cleanup = false) =>
        await WithTimeout(async ct =>
        {
            await action(ct).ConfigureAwait(false);
            return true;
        }, cleanup).ConfigureAwait(false);

    /// <summary>Failures that become steps; caller cancellation propagates.</summary>
    private bool Expected(Exception e) => !(e is OperationCanceledException && _cancellation.IsCancellationRequested);

    private string Describe(Exception e)
    {
        if (Find<AmazonServiceException>(e) is { StatusCode: not 0 } service)
        {
            var code = string.IsNullOrEmpty(service.ErrorCode) ? service.StatusCode.ToString() : service.ErrorCode;
            var message = OneLine(service.Message);
            var detail = message.Length == 0 || message == code || message.Contains("Exception of type", StringComparison.Ordinal) || message.StartsWith("Error making request", StringComparison.Ordinal) ? "" : $": {Truncate(message)}";
            return $"{(int)service.StatusCode} {code}{detail}";
        }
        if (Find<AuthenticationException>(e) is { } tls)
        {
            return $"TLS handshake failed: {OneLine(tls.Message)}";
        }
        if (Find<SocketException>(e) is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "host not found",
                SocketError.TimedOut => $"no answer within {_options.Timeout.TotalSeconds:0.#}s",
                _ => OneLine(socket.Message),
            };
        }
        if (Find<TimeoutException>(e) is { } timeout)
        {
            return OneLine(timeout.Message);
        }
        if (e is OperationCanceledException || Find<TaskCanceledException>(e) is not null)
        {
            return $"no answer within {_options.Timeout.TotalSeconds:0.#}s";
        }
        if (Find<HttpRequestException>(e) is { } http)
        {
            return OneLine(http.InnerException?.Message ?? http.Message);
        }
        var innermost = e;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }
        return Truncate(OneLine(innermost.Message));
    }

    private static T? Find<T>(Exception exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate && aggregate.InnerExceptions[0] is { } first && Find<T>(first) is { } inner)
            {
                return inner;
            }
        }
        return null;
    }

    private static string OneLine(string? text) => (text ?? "").ReplaceLineEndings(" ").Trim();

    private static string Truncate(string text) => text.Length <= 240 ? text : text[..240] + "…";

    private static string RegionOf(S3Settings settings, IReadOnlyDictionary<string, string> environment)
    {
        if (settings.Region is not null)
        {
            return settings.Region;
        }
        if (settings.IsAws && settings.Endpoint is not null && Uri.TryCreate(settings.Endpoint, UriKind.Absolute, out var url))
        {
            var labels = url.Host.Split('.');
            var s3 = Array.FindIndex(labels, l => l.StartsWith("s3", StringComparison.OrdinalIgnoreCase));
            if (s3 >= 0 && s3 + 2 < labels.Length && labels[s3 + 1] != "amazonaws")
            {
                return labels[s3 + 1];
            }
        }
        return environment.GetValueOrDefault("AWS_REGION") is { Length: > 0 } region ? region : "us-east-1";
    }

    private void CollectSecrets()
    {
        var credentials = _settings.Credentials;
        foreach (var secret in (string?[])[credentials.SecretKey, credentials.SessionToken])
        {
            if (!string.IsNullOrEmpty(secret))
            {
                _secrets.Add(secret);
            }
        }
        foreach (var entry in _resolution.Configuration.Entries.Where(e => e.IsSecret && !e.Key.Contains("access", StringComparison.Ordinal)))
        {
            _secrets.Add(entry.Value);
        }
    }

    /// <summary>Last line of defence: no secret value survives into the report, whatever an error message quoted.</summary>
    private string Scrub(string text)
    {
        foreach (var secret in _secrets.Where(s => s.Length >= 4).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }
        if (_settings.Credentials.AccessKey is { Length: >= 8 } accessKey)
        {
            text = text.Replace(accessKey, S3Credentials.Redact(accessKey), StringComparison.Ordinal);
        }
        return text;
    }

    private static string RandomSuffix() => Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();

    private AmazonS3Client Client(S3Settings settings, bool pathStyle, bool whenRequired)
    {
        var region = RegionOf(settings, _options.Environment);
        var config = new AmazonS3Config
        {
            ForcePathStyle = pathStyle,
            MaxErrorRetry = 0,
            Timeout = _options.Timeout,
            RequestChecksumCalculation = whenRequired ? RequestChecksumCalculation.WHEN_REQUIRED : RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = whenRequired ? ResponseChecksumValidation.WHEN_REQUIRED : ResponseChecksumValidation.WHEN_SUPPORTED,
        };
        if (settings.Endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = settings.Endpoint;
            config.AuthenticationRegion = region;
        }
        if (_options.CaBundle is not null || _options.InsecureSkipTlsVerify)
        {
            config.HttpClientFactory = new TlsHttpClientFactory(_options.CaBundle, _options.InsecureSkipTlsVerify, _options.Timeout);
        }
        return new AmazonS3Client(_credentials!, config);
    }
}
