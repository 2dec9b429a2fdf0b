using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Stateport.Storage.S3;

namespace Stateport.Storage.Tests;

/// <summary>
/// TLS trust against a real HTTPS listener with a self-signed certificate for 127.0.0.1 that answers
/// every request with 403 AccessDenied: reaching that answer proves the handshake succeeded.
/// </summary>
public sealed class S3TlsTests : IAsyncLifetime
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _caBundle = Path.Combine(Path.GetTempPath(), $"stateport-ca-{Guid.NewGuid():N}.pem");
    private X509Certificate2 _certificate = null!;
    private Task _server = Task.CompletedTask;

    private string Endpoint => $"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=stateport-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on Linux.
        _certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
        await File.WriteAllTextAsync(_caBundle, created.ExportCertificatePem());
        _listener.Start();
        _server = ServeAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _server;
        _certificate.Dispose();
        _stop.Dispose();
        File.Delete(_caBundle);
    }

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = AnswerAsync(client);
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(_certificate);
                var buffer = new byte[16 * 1024];
                var received = new StringBuilder();
                while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await tls.ReadAsync(buffer);
                    if (read == 0)
                    {
                        return;
                    }
                    received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
                const string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>denied</Message></Error>";
                var response = $"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
                await tls.WriteAsync(Encoding.ASCII.GetBytes(response));
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                // The client refused the certificate: that is what some tests expect.
            }
        }
    }

    private async Task<StorageException> ListFailureAsync(S3Settings settings)
    {
        await using var store = new S3ObjectStore(settings with { Endpoint = Endpoint, MaxRetries = 0 });
        return await Assert.ThrowsAsync<StorageException>(() => store.ListAsync(StorageUri.S3("bucket", ""), CancellationToken.None).ToListAsync().AsTask());
    }

    private static S3Settings Settings => new()
    {
        Credentials = new S3Credentials { Kind = S3CredentialKind.Static, AccessKey = "AKIATLSTEST0000", SecretKey = "tls-test-secret-key" },
    };

    [Fact]
    public async Task Unknown_certificate_authority_is_refused_by_default()
    {
        var e = await ListFailureAsync(Settings);

        Assert.Equal(StorageErrorKind.Network, e.Kind);
        Assert.Contains("TLS handshake", e.Message);
    }

    [Fact]
    public async Task Ca_bundle_adds_trust_for_a_private_ca()
    {
        var e = await ListFailureAsync(Settings with { CaBundle = _caBundle });

        Assert.Equal(StorageErrorKind.Credentials, e.Kind);
        Assert.Equal("AccessDenied", e.ErrorCode);
    }

    [Fact]
    public async Task Insecure_skip_tls_verify_accepts_any_certificate()
    {
        var e = await ListFailureAsync(Settings with { InsecureSkipTlsVerify = true });

        Assert.Equal(StorageErrorKind.Credentials, e.Kind);
        await using var store = new S3ObjectStore(Settings with { Endpoint = Endpoint, InsecureSkipTlsVerify = true });
        Assert.Contains("TLS verification OFF", store.Describe());
    }
}
