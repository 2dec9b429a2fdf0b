using Stateport.Storage.Local;
using Stateport.Storage.S3;

namespace Stateport.Storage.Tests;

public sealed class ObjectStoreFactoryTests
{
    private static S3Settings Settings(string accessKey, string source = "--src-access-key") => new()
    {
        Endpoint = "http://127.0.0.1:9",
        Credentials = new S3Credentials { Kind = S3CredentialKind.Static, AccessKey = accessKey, SecretKey = "secret-" + accessKey, Source = source },
        Source = source,
    };

    [Fact]
    public async Task Local_uris_get_the_local_store()
    {
        await using var factory = new ObjectStoreFactory();

        var store = factory.Get(StorageUri.Parse("/tmp/x"));

        Assert.IsType<LocalObjectStore>(store);
        Assert.Same(store, factory.Get(StorageUri.Parse("file:///var/y")));
    }

    [Fact]
    public async Task S3_stores_are_shared_per_endpoint_and_credentials()
    {
        await using var factory = new ObjectStoreFactory();
        var uri = StorageUri.Parse("s3a://bucket/key");

        var first = factory.Get(uri, Settings("AKIAFIRSTKEY0001"));
        var sameKeysOtherFlag = factory.Get(StorageUri.Parse("s3://other/key"), Settings("AKIAFIRSTKEY0001", "flink-conf.yaml:3"));
        var otherKeys = factory.Get(uri, Settings("AKIASECONDKEY002"));

        Assert.IsType<S3ObjectStore>(first);
        Assert.Same(first, sameKeysOtherFlag);
        Assert.NotSame(first, otherKeys);
        Assert.NotEqual(first.Identity, otherKeys.Identity);
        Assert.DoesNotContain("secret-", first.Identity);
        Assert.DoesNotContain("secret-", first.Describe());
    }

    [Fact]
    public async Task S3_uris_need_settings()
    {
        await using var factory = new ObjectStoreFactory();

        Assert.Throws<ArgumentException>(() => factory.Get(StorageUri.Parse("s3://bucket/key")));
    }

    [Fact]
    public async Task Disposed_factory_refuses_new_stores()
    {
        var factory = new ObjectStoreFactory();
        factory.Get(StorageUri.Parse("s3://bucket/key"), Settings("AKIAFIRSTKEY0001"));

        await factory.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => factory.Get(StorageUri.Parse("/tmp")));
    }

    [Fact]
    public async Task Describe_names_endpoint_addressing_listing_and_redacted_key()
    {
        await using var store = new S3ObjectStore(Settings("AKIAFIRSTKEY0001") with { ListVersion = 1 });

        Assert.Equal("s3 http://127.0.0.1:9 (path-style, list v1, static keys AKIA**********01 from --src-access-key)", store.Describe());
        Assert.Equal("s3 http://127.0.0.1:9 key:AKIAFIRSTKEY0001", store.Identity);
    }

    [Fact]
    public void Incomplete_static_credentials_are_a_credentials_error()
    {
        var settings = new S3Settings
        {
            Endpoint = "http://127.0.0.1:9",
            Credentials = new S3Credentials { Kind = S3CredentialKind.Static, AccessKey = "AKIAONLYKEY", Source = "--access-key" },
        };

        var e = Assert.Throws<StorageException>(() => new S3ObjectStore(settings));

        Assert.Equal(StorageErrorKind.Credentials, e.Kind);
    }

    [Fact]
    public async Task Anonymous_credentials_resolve_without_a_key()
    {
        await using var store = new S3ObjectStore(new S3Settings { Endpoint = "http://127.0.0.1:9", Credentials = new S3Credentials { Kind = S3CredentialKind.Anonymous } });

        var report = await store.ResolveCredentialsAsync(CancellationToken.None);

        Assert.Null(report.AccessKeyRedacted);
        Assert.Contains("anonymous", report.Source);
    }

    [Fact]
    public async Task Static_credentials_report_the_redacted_key_only()
    {
        await using var store = new S3ObjectStore(Settings("AKIAFIRSTKEY0001"));

        var report = await store.ResolveCredentialsAsync(CancellationToken.None);

        Assert.Equal("AKIA**********01", report.AccessKeyRedacted);
        Assert.DoesNotContain("secret-", report.ToString());
    }
}
