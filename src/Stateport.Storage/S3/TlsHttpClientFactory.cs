using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;

namespace Stateport.Storage.S3;

/// <summary>
/// HttpClient for the SDK when TLS trust differs from the system's: a private CA bundle added to
/// the trusted roots, or (only with --insecure-skip-tls-verify) no validation at all.
/// </summary>
internal sealed class TlsHttpClientFactory : HttpClientFactory
{
    private readonly X509Certificate2Collection? _extraRoots;
    private readonly bool _skipVerify;
    private readonly TimeSpan _timeout;

    public TlsHttpClientFactory(string? caBundlePath, bool skipVerify, TimeSpan timeout)
    {
        _skipVerify = skipVerify;
        _timeout = timeout;
        if (caBundlePath is not null)
        {
            _extraRoots = [];
            _extraRoots.ImportFromPemFile(caBundlePath);
        }
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = clientConfig.MaxConnectionsPerServer ?? int.MaxValue,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = Validate },
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = _timeout };
    }

    // One HttpClient per SDK client, disposed with it.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string? GetConfigUniqueString(IClientConfig clientConfig) => null;

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_skipVerify || errors == SslPolicyErrors.None)
        {
            return true;
        }
        // Only a chain error can be fixed by extra roots; a name mismatch or missing certificate cannot.
        if (_extraRoots is null || errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
        {
            return false;
        }
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
