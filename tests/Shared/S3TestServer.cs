using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Stateport.Tests.Shared;

/// <summary>One local S3 endpoint (a Ceph RADOS Gateway started by <c>scripts/s3-server.sh</c>).</summary>
/// <param name="Name">Cluster name: <c>a</c> or <c>b</c>.</param>
/// <param name="Endpoint">Service URL, e.g. <c>http://127.0.0.1:17480</c> (path-style addressing).</param>
/// <param name="AccessKey">Access key id of the test user.</param>
/// <param name="SecretKey">Secret key of the test user.</param>
public sealed record S3TestEndpoint(string Name, string Endpoint, string AccessKey, string SecretKey)
{
    /// <summary>Keeps the secret out of test output.</summary>
    public override string ToString() => $"S3TestEndpoint {{ Name = {Name}, Endpoint = {Endpoint}, AccessKey = {AccessKey} }}";
}

/// <summary>
/// Access to the two independent local S3 servers ("a" and "b") used by the integration tests.
/// The endpoints come from the env file written by <c>scripts/s3-server.sh start</c>
/// (<c>STATEPORT_S3_ENV_FILE</c>, or <c>&lt;repo&gt;/.s3test/env</c>). When no usable env file exists the
/// script is run once per process. Failures throw; tests are never skipped silently.
/// </summary>
public static class S3TestServer
{
    /// <summary>Name of the environment variable pointing at the env file.</summary>
    public const string EnvFileVariable = "STATEPORT_S3_ENV_FILE";

    /// <summary>Optional override of the script's state directory (default <c>&lt;repo&gt;/.s3test</c>).</summary>
    public const string StateDirVariable = "STATEPORT_S3_STATE_DIR";

    private const string HowToStart =
        "Run the tests with ./scripts/test.sh (it starts the local S3 servers), or start them by hand with " +
        "./scripts/s3-server.sh start (and stop them with ./scripts/s3-server.sh stop).";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(20);

    private static readonly Lazy<string> RepoRootValue =
        new(FindRepoRoot, LazyThreadSafetyMode.ExecutionAndPublication);

    // ExecutionAndPublication caches a failure too: the script runs at most once per process and every
    // test gets the same explanatory exception.
    private static readonly Lazy<IReadOnlyDictionary<string, S3TestEndpoint>> Endpoints =
        new(LoadEndpoints, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The S3 server of cluster "a".</summary>
    public static S3TestEndpoint A => Endpoints.Value["A"];

    /// <summary>The S3 server of cluster "b" (separate cluster, separate credentials).</summary>
    public static S3TestEndpoint B => Endpoints.Value["B"];

    /// <summary>The repository root: the nearest ancestor of the test binaries that contains Stateport.sln.</summary>
    public static string RepoRoot => RepoRootValue.Value;

    /// <summary>
    /// A unique, DNS-compatible bucket name (lowercase letters, digits and hyphens, 3..63 characters)
    /// starting with a sanitized form of <paramref name="prefix"/>.
    /// </summary>
    public static string NewBucketName(string prefix)
    {
        // 64 random bits; 16 hex characters.
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        var suffix = Convert.ToHexString(random).ToLowerInvariant();

        var sb = new StringBuilder();
        foreach (var ch in prefix ?? string.Empty)
        {
            char c = ch is >= 'A' and <= 'Z' ? (char)(ch + ('a' - 'A')) : ch;
            bool ok = c is >= 'a' and <= 'z' or >= '0' and <= '9';
            if (ok)
            {
                sb.Append(c);
            }
            else if (sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }

        const int maxPrefix = 63 - 1 - 16;
        var clean = sb.ToString();
        if (clean.Length > maxPrefix)
        {
            clean = clean[..maxPrefix];
        }

        clean = clean.Trim('-');
        if (clean.Length == 0)
        {
            clean = "t";
        }

        return clean + "-" + suffix;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stateport.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"Could not find Stateport.sln in any parent directory of {AppContext.BaseDirectory}.");
    }

    private static IReadOnlyDictionary<string, S3TestEndpoint> LoadEndpoints()
    {
        var explicitFile = Environment.GetEnvironmentVariable(EnvFileVariable);
        if (!string.IsNullOrWhiteSpace(explicitFile))
        {
            if (File.Exists(explicitFile))
            {
                var fromExplicit = ParseEnvFile(explicitFile);
                EnsureReachable(fromExplicit, explicitFile);
                return fromExplicit;
            }
        }

        string defaultFile;
        try
        {
            // scripts/s3-server.sh keeps its state (and env file) in STATEPORT_S3_STATE_DIR, default <repo>/.s3test.
            var stateDir = Environment.GetEnvironmentVariable(StateDirVariable);
            defaultFile = Path.Combine(
                string.IsNullOrWhiteSpace(stateDir) ? Path.Combine(RepoRoot, ".s3test") : stateDir, "env");
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"Cannot locate the local S3 test servers: {e.Message} {HowToStart}", e);
        }

        if (File.Exists(defaultFile))
        {
            var fromDefault = ParseEnvFile(defaultFile);
            if (AllReachable(fromDefault))
            {
                return fromDefault;
            }
        }

        // No env file, or a stale one (servers gone): start them (the script is idempotent and locked
        // across processes, so concurrent test assemblies are fine).
        RunStartScript();
        if (!File.Exists(defaultFile))
        {
            throw new InvalidOperationException(
                $"scripts/s3-server.sh start succeeded but did not write {defaultFile}. {HowToStart}");
        }

        var started = ParseEnvFile(defaultFile);
        EnsureReachable(started, defaultFile);
        return started;
    }

    private static void RunStartScript()
    {
        var script = Path.Combine(RepoRoot, "scripts", "s3-server.sh");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Local S3 test servers are not running and {script} is missing. {HowToStart}");
        }

        var psi = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("start");

        var output = new StringBuilder();
        var gate = new object();
        void Collect(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (gate)
            {
                output.AppendLine(e.Data);
            }
        }

        Process process;
        try
        {
            process = Process.Start(psi)
                ?? throw new InvalidOperationException("Process.Start returned null.");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException($"Could not run {script} start: {e.Message} {HowToStart}", e);
        }

        using (process)
        {
            process.OutputDataReceived += Collect;
            process.ErrorDataReceived += Collect;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.StandardInput.Close();

            if (!process.WaitForExit(StartTimeout))
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already exited.
                }

                throw new InvalidOperationException(
                    $"{script} start did not finish within {StartTimeout.TotalMinutes} minutes. {HowToStart}\n{Tail(output, gate)}");
            }

            process.WaitForExit(); // flush the asynchronous readers
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"{script} start failed with exit code {process.ExitCode}. {HowToStart}\n{Tail(output, gate)}");
            }
        }
    }

    private static string Tail(StringBuilder output, object gate)
    {
        string text;
        lock (gate)
        {
            text = output.ToString();
        }

        const int max = 8000;
        return text.Length <= max ? text : "..." + text[^max..];
    }

    private static Dictionary<string, S3TestEndpoint> ParseEnvFile(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            values[line[..eq].Trim()] = value;
        }

        var result = new Dictionary<string, S3TestEndpoint>(StringComparer.Ordinal);
        foreach (var name in new[] { "A", "B" })
        {
            string Get(string suffix)
            {
                var key = $"STATEPORT_S3_{name}_{suffix}";
                return values.TryGetValue(key, out var v) && v.Length > 0
                    ? v
                    : throw new InvalidOperationException($"{path} does not define {key}. {HowToStart}");
            }

            result[name] = new S3TestEndpoint(
                name.ToLowerInvariant(), Get("ENDPOINT"), Get("ACCESS_KEY"), Get("SECRET_KEY"));
        }

        return result;
    }

    private static void EnsureReachable(Dictionary<string, S3TestEndpoint> endpoints, string envFile)
    {
        foreach (var endpoint in endpoints.Values)
        {
            if (!IsReachable(endpoint.Endpoint))
            {
                throw new InvalidOperationException(
                    $"Local S3 test server '{endpoint.Name}' at {endpoint.Endpoint} (from {envFile}) is not reachable. {HowToStart}");
            }
        }
    }

    private static bool AllReachable(Dictionary<string, S3TestEndpoint> endpoints) =>
        endpoints.Values.All(e => IsReachable(e.Endpoint));

    private static bool IsReachable(string endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            return false;
        }

        try
        {
            using var client = new TcpClient();
            return client.ConnectAsync(uri.Host, uri.Port).Wait(TimeSpan.FromSeconds(5)) && client.Connected;
        }
        catch (Exception e) when (e is SocketException or AggregateException or InvalidOperationException)
        {
            return false;
        }
    }
}
