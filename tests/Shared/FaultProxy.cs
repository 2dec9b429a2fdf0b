using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Stateport.Tests.Shared;

/// <summary>The S3 operation of one request, classified from method, path (path-style) and query.</summary>
public enum S3Operation
{
    Unknown,
    ListBuckets,
    HeadBucket,
    CreateBucket,
    DeleteBucket,
    ListObjects,
    ListObjectsV2,
    ListMultipartUploads,
    DeleteObjects,
    GetObject,
    HeadObject,
    PutObject,
    CopyObject,
    DeleteObject,
    CreateMultipartUpload,
    UploadPart,
    UploadPartCopy,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
}

/// <summary>What the proxy does to a faulted request.</summary>
public enum FaultKind
{
    /// <summary>503 SlowDown with an S3 XML error body; the request never reaches the server.</summary>
    SlowDown,
    /// <summary>500 InternalError with an S3 XML error body; the request never reaches the server.</summary>
    InternalError,
    /// <summary>The request is read, then the connection is reset (RST) without a response; never forwarded.</summary>
    ResetBeforeResponse,
    /// <summary>Forwarded; the response head and part of the body are sent, then the connection is reset (RST).</summary>
    ResetMidBody,
    /// <summary>Forwarded; the response is held back for <see cref="FaultPlan.Delay"/>, then sent intact.</summary>
    Delay,
    /// <summary>Forwarded; the full Content-Length is declared, part of the body is sent, then the connection is closed (FIN).</summary>
    TruncatedBody,
    /// <summary>Forwarded; one byte of the body is flipped, the length stays the same (object data only: GetObject).</summary>
    CorruptedBody,
}

/// <summary>
/// Which requests fail and how. A request of operation <c>op</c> is faulted with probability
/// <see cref="OperationRates"/>[op] (or <see cref="Rate"/> when the operation has no entry); its kind is
/// drawn uniformly from the <see cref="Kinds"/> that make sense for the operation (body faults only
/// where a 2xx response has a body, corruption only for object data).
/// </summary>
public sealed record FaultPlan
{
    public static IReadOnlyList<FaultKind> AllKinds { get; } = Enum.GetValues<FaultKind>();

    /// <summary>No faults: a plain forwarding proxy.</summary>
    public static FaultPlan None { get; } = new();

    /// <summary>Probability (0..1) for operations without their own rate.</summary>
    public double Rate { get; init; }

    /// <summary>Per-operation probabilities, overriding <see cref="Rate"/>.</summary>
    public IReadOnlyDictionary<S3Operation, double> OperationRates { get; init; } = new Dictionary<S3Operation, double>();

    /// <summary>The kinds to choose from.</summary>
    public IReadOnlyList<FaultKind> Kinds { get; init; } = AllKinds;

    /// <summary>When set, only requests whose target (path and query) contains this text are faulted.</summary>
    public string? TargetContains { get; init; }

    /// <summary>Seed of the decision RNG (decisions are deterministic per request order).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How long <see cref="FaultKind.Delay"/> holds a response.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Every request of <paramref name="operation"/> (whose target contains <paramref name="targetContains"/>, if given) gets <paramref name="kind"/>; nothing else is faulted.</summary>
    public static FaultPlan Always(S3Operation operation, FaultKind kind, string? targetContains = null) => new()
    {
        TargetContains = targetContains,
        OperationRates = new Dictionary<S3Operation, double> { [operation] = 1.0 },
        Kinds = [kind],
    };

    /// <summary>A fraction of all requests, of the given kinds (all kinds when none are given).</summary>
    public static FaultPlan Random(double rate, int seed, params FaultKind[] kinds) => new()
    {
        Rate = rate,
        Seed = seed,
        Kinds = kinds.Length == 0 ? AllKinds : kinds,
    };
}

/// <summary>
/// A fault-injecting HTTP/1.1 proxy between the AWS SDK and a local S3 server (Ceph RGW), for tests.
/// Point a path-style client at <see cref="Endpoint"/>: requests are forwarded byte for byte (the Host
/// header included, so SigV4 signatures stay valid: RGW checks the signature against the Host it
/// receives and does not compare it with its own address), keep-alive connections are kept, request
/// bodies may use Content-Length or chunked framing, and <c>Expect: 100-continue</c> is answered by
/// the proxy. Faults follow <see cref="Plan"/>, which can be changed at any time; every request and
/// every injected fault is counted, so tests can assert that faults really happened.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private static readonly byte[] Continue100 = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();
    private static readonly HashSet<S3Operation> OperationsWithBody =
    [
        S3Operation.ListBuckets, S3Operation.ListObjects, S3Operation.ListObjectsV2, S3Operation.ListMultipartUploads,
        S3Operation.ListParts, S3Operation.GetObject, S3Operation.CopyObject, S3Operation.UploadPartCopy,
        S3Operation.CreateMultipartUpload, S3Operation.CompleteMultipartUpload, S3Operation.DeleteObjects,
    ];

    private readonly TcpListener _listener;
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly ConcurrentDictionary<S3Operation, int> _requests = new();
    private readonly ConcurrentDictionary<S3Operation, int> _expectContinue = new();
    private readonly ConcurrentDictionary<(S3Operation Operation, FaultKind Kind), int> _faults = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Lock _rngLock = new();
    private FaultPlan _plan = FaultPlan.None;
    private Random _rng = new(1);
    private int _requestIds;

    /// <param name="upstream">The S3 server, e.g. <c>http://127.0.0.1:17482</c> (plain HTTP only).</param>
    public FaultProxy(string upstream)
    {
        var url = new Uri(upstream);
        if (url.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"only http upstreams are supported: {upstream}", nameof(upstream));
        }
        _upstreamHost = url.Host;
        _upstreamPort = url.Port;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        Endpoint = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where clients connect: <c>http://127.0.0.1:&lt;port&gt;</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The faults to inject from now on; setting it reseeds the RNG.</summary>
    public FaultPlan Plan
    {
        get => Volatile.Read(ref _plan);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (_rngLock)
            {
                _rng = new Random(value.Seed);
                Volatile.Write(ref _plan, value);
            }
        }
    }

    /// <summary>Requests seen (of <paramref name="operation"/>, or all).</summary>
    public int Requests(S3Operation? operation = null) =>
        operation is { } op ? _requests.GetValueOrDefault(op) : _requests.Values.Sum();

    /// <summary>Requests of <paramref name="operation"/> that asked for "Expect: 100-continue".</summary>
    public int ExpectContinueRequests(S3Operation operation) => _expectContinue.GetValueOrDefault(operation);

    /// <summary>Faults injected, filtered by kind and/or operation.</summary>
    public int Faults(FaultKind? kind = null, S3Operation? operation = null) =>
        _faults.Where(f => (kind is null || f.Key.Kind == kind) && (operation is null || f.Key.Operation == operation)).Sum(f => f.Value);

    /// <summary>Zeroes the counters.</summary>
    public void ResetCounters()
    {
        _requests.Clear();
        _expectContinue.Clear();
        _faults.Clear();
        _log.Clear();
    }

    /// <summary>One line: requests per operation and faults per kind.</summary>
    public string Summary()
    {
        var requests = string.Join(", ", _requests.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}"));
        var faults = string.Join(", ", _faults.GroupBy(f => f.Key.Kind).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Sum(f => f.Value)}"));
        return $"{Requests()} requests ({requests}); {Faults()} faults ({(faults.Length == 0 ? "none" : faults)})";
    }

    /// <summary>Classifies a path-style S3 request.</summary>
    public static S3Operation Classify(string method, string target, Func<string, bool> hasHeader)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(hasHeader);
        var question = target.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? target : target[..question];
        var query = question < 0 ? "" : target[(question + 1)..];
        var parameters = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
        var trimmed = path.TrimStart('/');
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        var isObject = slash >= 0 && slash < trimmed.Length - 1;
        var isService = trimmed.Length == 0;
        var copySource = hasHeader("x-amz-copy-source");
        return method switch
        {
            "GET" when isService => S3Operation.ListBuckets,
            "GET" when !isObject && parameters.Contains("uploads") => S3Operation.ListMultipartUploads,
            "GET" when !isObject && parameters.Contains("list-type") => S3Operation.ListObjectsV2,
            "GET" when !isObject => S3Operation.ListObjects,
            "GET" when parameters.Contains("uploadId") => S3Operation.ListParts,
            "GET" => S3Operation.GetObject,
            "HEAD" when !isObject => S3Operation.HeadBucket,
            "HEAD" => S3Operation.HeadObject,
            "PUT" when !isObject => S3Operation.CreateBucket,
            "PUT" when parameters.Contains("partNumber") && parameters.Contains("uploadId") => copySource ? S3Operation.UploadPartCopy : S3Operation.UploadPart,
            "PUT" => copySource ? S3Operation.CopyObject : S3Operation.PutObject,
            "POST" when !isObject && parameters.Contains("delete") => S3Operation.DeleteObjects,
            "POST" when parameters.Contains("uploads") => S3Operation.CreateMultipartUpload,
            "POST" when parameters.Contains("uploadId") => S3Operation.CompleteMultipartUpload,
            "DELETE" when !isObject => S3Operation.DeleteBucket,
            "DELETE" when parameters.Contains("uploadId") => S3Operation.AbortMultipartUpload,
            "DELETE" => S3Operation.DeleteObject,
            _ => S3Operation.Unknown,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        await Task.WhenAll(_connections.Keys);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var task = Task.Run(() => ServeAsync(client));
            _connections.TryAdd(task, true);
            _ = task.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private FaultKind? Decide(S3Operation operation, string target)
    {
        lock (_rngLock)
        {
            var plan = _plan;
            if (plan.TargetContains is { } text && !target.Contains(text, StringComparison.Ordinal))
            {
                return null;
            }
            var rate = plan.OperationRates.TryGetValue(operation, out var own) ? own : plan.Rate;
            if (rate <= 0 || _rng.NextDouble() >= rate)
            {
                return null;
            }
            var kinds = plan.Kinds.Where(k => Applicable(k, operation)).ToList();
            return kinds.Count == 0 ? null : kinds[_rng.Next(kinds.Count)];
        }
    }

    private int NextInt(int maxExclusive)
    {
        lock (_rngLock)
        {
            return _rng.Next(maxExclusive);
        }
    }

    private static bool Applicable(FaultKind kind, S3Operation operation) => kind switch
    {
        FaultKind.ResetMidBody or FaultKind.TruncatedBody => OperationsWithBody.Contains(operation),
        // Only object data carries a checksum (its ETag); a flipped byte in an XML answer is undetectable by any client.
        FaultKind.CorruptedBody => operation == S3Operation.GetObject,
        _ => true,
    };

    /// <summary>The last requests, oldest first: "operation METHOD target → status [fault]".</summary>
    public IReadOnlyList<string> Log => [.. _log];

    private void Record(S3Operation operation, Message request, int status, FaultKind? fault)
    {
        _log.Enqueue($"{operation} {request.Method} {request.Target} -> {status}{(fault is { } f ? " [" + f + "]" : "")}");
        while (_log.Count > 20_000 && _log.TryDequeue(out _))
        {
        }
    }

    private void Count(S3Operation operation, FaultKind kind) => _faults.AddOrUpdate((operation, kind), 1, (_, n) => n + 1);

    private static readonly TimeSpan UpstreamResponseTimeout = TimeSpan.FromSeconds(30);

    private async Task ServeAsync(TcpClient client)
    {
        var token = _stop.Token;
        TcpClient? upstream = null;
        HttpReader? upstreamReader = null;
        try
        {
            client.NoDelay = true;
            var clientStream = client.GetStream();
            var reader = new HttpReader(clientStream);
            while (!token.IsCancellationRequested)
            {
                var head = await reader.ReadHeadAsync(token);
                if (head is null)
                {
                    return;
                }
                var request = Message.Parse(head);
                var operation = Classify(request.Method, request.Target, request.Has);
                _requests.AddOrUpdate(operation, 1, (_, n) => n + 1);
                var fault = Decide(operation, request.Target);
                var expectContinue = request.Header("Expect")?.Equals("100-continue", StringComparison.OrdinalIgnoreCase) == true;
                if (expectContinue)
                {
                    _expectContinue.AddOrUpdate(operation, 1, (_, n) => n + 1);
                }

                if (fault is FaultKind.SlowDown or FaultKind.InternalError or FaultKind.ResetBeforeResponse)
                {
                    Count(operation, fault.Value);
                    Record(operation, request, fault == FaultKind.SlowDown ? 503 : fault == FaultKind.InternalError ? 500 : 0, fault);
                    if (!expectContinue)
                    {
                        // Read the body so the client is not reset while still sending it.
                        await CopyBodyAsync(reader, request, Stream.Null, token);
                    }
                    if (fault == FaultKind.ResetBeforeResponse)
                    {
                        Reset(client);
                        return;
                    }
                    var close = expectContinue || request.WantsClose;
                    await WriteErrorAsync(clientStream, request, fault == FaultKind.SlowDown, close, token);
                    if (close)
                    {
                        return;
                    }
                    continue;
                }

                if (upstream is null)
                {
                    upstream = new TcpClient { NoDelay = true };
                    await upstream.ConnectAsync(_upstreamHost, _upstreamPort, token);
                    upstreamReader = new HttpReader(upstream.GetStream());
                }
                var upstreamStream = upstream.GetStream();
                await upstreamStream.WriteAsync(head, token);
                if (expectContinue)
                {
                    // The proxy answers the expectation itself; the server's own 100 is skipped below.
                    await clientStream.WriteAsync(Continue100, token);
                }
                await CopyBodyAsync(reader, request, upstreamStream, token);

                Message response;
                byte[]? responseHead;
                do
                {
                    // A stalled server (RGW on a loaded 2-core host) must not hang the client for its whole request
                    // timeout: after 30 s without a response the client sees a reset, which it retries.
                    using (var stall = CancellationTokenSource.CreateLinkedTokenSource(token))
                    {
                        stall.CancelAfter(UpstreamResponseTimeout);
                        try
                        {
                            responseHead = await upstreamReader!.ReadHeadAsync(stall.Token);
                        }
                        catch (OperationCanceledException) when (!token.IsCancellationRequested)
                        {
                            Record(operation, request, 0, FaultKind.ResetBeforeResponse);
                            Reset(client);
                            return;
                        }
                    }
                    if (responseHead is null)
                    {
                        // The server closed the connection: the client sees that as a reset.
                        Reset(client);
                        return;
                    }
                    response = Message.Parse(responseHead);
                }
                while (response.Status is >= 100 and < 200);

                var bodyLength = request.Method == "HEAD" || response.Status is 204 or 304 ? 0 : response.ContentLength;
                var chunked = bodyLength != 0 && response.IsChunked;
                var untilClose = bodyLength < 0 && !chunked;
                if (fault == FaultKind.Delay)
                {
                    Count(operation, FaultKind.Delay);
                    await Task.Delay(Plan.Delay, token);
                }
                var bodyFault = fault is FaultKind.ResetMidBody or FaultKind.TruncatedBody or FaultKind.CorruptedBody
                    && response.Status is >= 200 and < 300 && (bodyLength > 0 || chunked) && (fault != FaultKind.CorruptedBody || !chunked);
                Record(operation, request, response.Status, bodyFault || fault == FaultKind.Delay ? fault : null);
                await clientStream.WriteAsync(responseHead, token);
                if (!bodyFault)
                {
                    if (chunked)
                    {
                        await CopyChunkedAsync(upstreamReader, clientStream, token);
                    }
                    else if (untilClose)
                    {
                        await upstreamReader.CopyToEndAsync(clientStream, token);
                        return;
                    }
                    else
                    {
                        await upstreamReader.CopyExactlyAsync(clientStream, bodyLength, null, token);
                    }
                    if (request.WantsClose || response.WantsClose)
                    {
                        return;
                    }
                    continue;
                }

                Count(operation, fault!.Value);
                if (fault == FaultKind.CorruptedBody)
                {
                    var position = NextInt((int)Math.Min(bodyLength, int.MaxValue));
                    await upstreamReader.CopyExactlyAsync(clientStream, bodyLength, position, token);
                    if (request.WantsClose || response.WantsClose)
                    {
                        return;
                    }
                    continue;
                }
                if (chunked)
                {
                    // Chunked bodies (RGW's XML answers) are small: take the whole raw body, send a prefix.
                    using var raw = new MemoryStream();
                    await CopyChunkedAsync(upstreamReader, raw, token);
                    await clientStream.WriteAsync(raw.GetBuffer().AsMemory(0, NextInt((int)raw.Length)), token);
                }
                else
                {
                    await upstreamReader.CopyExactlyAsync(clientStream, NextInt((int)Math.Min(bodyLength, int.MaxValue)), null, token);
                }
                await clientStream.FlushAsync(token);
                if (fault == FaultKind.ResetMidBody)
                {
                    Reset(client);
                }
                return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or FormatException)
        {
            // A client or server went away, or the proxy is stopping; drop the connection.
        }
        finally
        {
            upstream?.Dispose();
            client.Dispose();
        }
    }

    private static void Reset(TcpClient client)
    {
        try
        {
            client.Client.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
        client.Close();
    }

    private static async Task CopyBodyAsync(HttpReader reader, Message request, Stream destination, CancellationToken token)
    {
        if (request.IsChunked)
        {
            await CopyChunkedAsync(reader, destination, token);
        }
        else if (request.ContentLength > 0)
        {
            await reader.CopyExactlyAsync(destination, request.ContentLength, null, token);
        }
    }

    /// <summary>Relays a chunked body verbatim (sizes, extensions, data, trailers).</summary>
    private static async Task CopyChunkedAsync(HttpReader reader, Stream destination, CancellationToken token)
    {
        while (true)
        {
            var line = await reader.ReadLineAsync(token) ?? throw new IOException("chunked body ended early");
            await destination.WriteAsync(line, token);
            var text = Encoding.ASCII.GetString(line).Trim();
            var semicolon = text.IndexOf(';', StringComparison.Ordinal);
            var size = long.Parse(semicolon < 0 ? text : text[..semicolon], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                // Trailers up to the empty line.
                while (true)
                {
                    var trailer = await reader.ReadLineAsync(token) ?? throw new IOException("chunked trailers ended early");
                    await destination.WriteAsync(trailer, token);
                    if (trailer.Length <= 2)
                    {
                        return;
                    }
                }
            }
            await reader.CopyExactlyAsync(destination, size + 2, null, token);
        }
    }

    private async Task WriteErrorAsync(Stream client, Message request, bool slowDown, bool close, CancellationToken token)
    {
        var (status, reason, code, message) = slowDown
            ? (503, "Slow Down", "SlowDown", "Please reduce your request rate.")
            : (500, "Internal Server Error", "InternalError", "We encountered an internal error. Please try again.");
        var id = $"fault-{Interlocked.Increment(ref _requestIds)}";
        var path = request.Target.Split('?')[0];
        var body = Encoding.UTF8.GetBytes(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><Resource>{path}</Resource><RequestId>{id}</RequestId></Error>");
        var isHead = request.Method == "HEAD";
        var head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {(isHead ? 0 : body.Length)}\r\n" +
                   $"x-amz-request-id: {id}\r\nDate: {DateTime.UtcNow:R}\r\n{(close ? "Connection: close\r\n" : "")}\r\n";
        await client.WriteAsync(Encoding.ASCII.GetBytes(head), token);
        if (!isHead)
        {
            await client.WriteAsync(body, token);
        }
    }

    /// <summary>An HTTP/1.1 request or response head.</summary>
    private sealed class Message
    {
        private readonly List<(string Name, string Value)> _headers = [];

        public string Method { get; private init; } = "";
        public string Target { get; private init; } = "";
        public int Status { get; private init; }

        public static Message Parse(byte[] head)
        {
            var lines = Encoding.Latin1.GetString(head).Split("\r\n");
            var first = lines[0].Split(' ', 3);
            if (first.Length < 2)
            {
                throw new FormatException($"bad start line: {lines[0]}");
            }
            var isResponse = first[0].StartsWith("HTTP/", StringComparison.Ordinal);
            var message = new Message
            {
                Method = isResponse ? "" : first[0],
                Target = isResponse ? "" : first[1],
                Status = isResponse ? int.Parse(first[1], CultureInfo.InvariantCulture) : 0,
            };
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    message._headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
                }
            }
            return message;
        }

        public string? Header(string name) =>
            _headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

        public bool Has(string name) => Header(name) is not null;

        /// <summary>Content-Length, or -1 when absent.</summary>
        public long ContentLength => Header("Content-Length") is { } value ? long.Parse(value, CultureInfo.InvariantCulture) : -1;

        public bool IsChunked => Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;

        public bool WantsClose => Header("Connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) == true;
    }

    /// <summary>Buffered reads of HTTP framing from one socket.</summary>
    private sealed class HttpReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        /// <summary>The raw head including the final empty line, or null when the peer closed before sending anything.</summary>
        public async Task<byte[]?> ReadHeadAsync(CancellationToken token)
        {
            var head = new MemoryStream();
            while (true)
            {
                if (_start == _end && !await FillAsync(token))
                {
                    return head.Length == 0 ? null : throw new IOException("connection closed inside a message head");
                }
                var span = _buffer.AsSpan(_start, _end - _start);
                for (var i = 0; i < span.Length; i++)
                {
                    head.WriteByte(span[i]);
                    if (span[i] == '\n' && EndsWithBlankLine(head))
                    {
                        _start += i + 1;
                        return head.ToArray();
                    }
                }
                _start = _end;
                if (head.Length > 256 * 1024)
                {
                    throw new IOException("message head too large");
                }
            }
        }

        /// <summary>One line including its CRLF, or null at the end of the stream.</summary>
        public async Task<byte[]?> ReadLineAsync(CancellationToken token)
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end && !await FillAsync(token))
                {
                    return line.Length == 0 ? null : line.ToArray();
                }
                var span = _buffer.AsSpan(_start, _end - _start);
                var newline = span.IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    line.Write(span[..(newline + 1)]);
                    _start += newline + 1;
                    return line.ToArray();
                }
                line.Write(span);
                _start = _end;
            }
        }

        /// <summary>Copies exactly <paramref name="count"/> bytes, flipping the byte at <paramref name="corruptAt"/> if given.</summary>
        public async Task CopyExactlyAsync(Stream destination, long count, long? corruptAt, CancellationToken token)
        {
            long copied = 0;
            while (copied < count)
            {
                if (_start == _end && !await FillAsync(token))
                {
                    throw new IOException($"body ended after {copied} of {count} bytes");
                }
                var n = (int)Math.Min(_end - _start, count - copied);
                if (corruptAt is { } at && at >= copied && at < copied + n)
                {
                    _buffer[_start + (int)(at - copied)] ^= 0x5A;
                }
                await destination.WriteAsync(_buffer.AsMemory(_start, n), token);
                _start += n;
                copied += n;
            }
        }

        public async Task CopyToEndAsync(Stream destination, CancellationToken token)
        {
            while (_start < _end || await FillAsync(token))
            {
                await destination.WriteAsync(_buffer.AsMemory(_start, _end - _start), token);
                _start = _end;
            }
        }

        private async Task<bool> FillAsync(CancellationToken token)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, token);
            return _end > 0;
        }

        private static bool EndsWithBlankLine(MemoryStream head)
        {
            if (head.Length < 4)
            {
                return false;
            }
            var buffer = head.GetBuffer();
            var n = (int)head.Length;
            return buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n';
        }
    }
}
