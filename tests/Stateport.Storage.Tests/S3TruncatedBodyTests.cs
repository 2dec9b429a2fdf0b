using System.Net;
using System.Net.Sockets;
using System.Text;
using Stateport.Storage.S3;

namespace Stateport.Storage.Tests;

/// <summary>A real HTTP listener that announces 100 bytes and closes after 50, as a dying gateway would.</summary>
public sealed class S3TruncatedBodyTests
{
    [Fact]
    public async Task A_body_shorter_than_announced_fails_the_read_instead_of_ending_early()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[16 * 1024];
            var received = new StringBuilder();
            while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer)));
            }
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + new string('x', 50)));
            await stream.FlushAsync();
        });
        var settings = new S3Settings
        {
            Endpoint = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}",
            MaxRetries = 0,
            Credentials = new S3Credentials { Kind = S3CredentialKind.Static, AccessKey = "AKIATRUNCATED000", SecretKey = "truncated-secret" },
        };
        await using var store = new S3ObjectStore(settings);
        var uri = StorageUri.S3("bucket", "key");

        await using var body = await store.OpenReadAsync(uri, 0, -1, CancellationToken.None);
        await server;
        var e = await Assert.ThrowsAsync<StorageException>(() => body.CopyToAsync(Stream.Null));

        Assert.True(e.Kind is StorageErrorKind.Integrity or StorageErrorKind.Network, e.Kind.ToString());
        Assert.Contains("50 of 100 bytes", e.Message);
        Assert.Equal(uri.ToString(), e.Uri);
    }
}
