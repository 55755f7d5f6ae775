using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Resif.Gpu.Client;
using Resif.Gpu.Reliability.Tests.Support;
using Resif.Gpu.Server.Security;
using V1 = Resif.Gpu.Protocol.V1;

namespace Resif.Gpu.Reliability.Tests;

/// <summary>TLS on the gRPC port with a certificate made here (self-signed, trusted by thumbprint in the client).</summary>
public class TlsTests
{
    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Round-trip through PKCS#12 so the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);
    }

    [Fact]
    public async Task TokensTravelOverTlsAndOnlyTheRightCertificateIsAccepted()
    {
        using var certificate = SelfSigned("resif-test");
        using var impostor = SelfSigned("impostor");
        using var disk = new DiskStore();
        disk.Add("public-a", 4, 500);
        const string token = "tls-token-0123456789";
        var policy = AccessPolicy.Parse($$"""{"tokens": {"{{token}}": "u"}, "users": {"u": {"*": ["read", "reduce"]} } }""");
        await using var server = await Servers.StartAsync(disk.Store, o => o with { Access = policy, Certificate = certificate });
        Assert.StartsWith("https://", server.Url);

        using var client = new ResifClient(Servers.Channel(server.Url, token, trusted: certificate));
        var result = await client.ReduceAsync(new V1.ReduceRequest { Array = "public-a" });
        Assert.Equal(4 * 500, result.Data.Length);

        // A client expecting another certificate refuses the handshake; a cleartext client cannot speak to the port.
        using var wary = new ResifClient(Servers.Channel(server.Url, token, trusted: impostor));
        Assert.NotEqual(StatusCode.OK, await Servers.StatusOfAsync(() => wary.ListArraysAsync()));
        using var cleartext = new ResifClient(Servers.Channel(server.Url.Replace("https://", "http://", StringComparison.Ordinal), token));
        Assert.NotEqual(StatusCode.OK, await Servers.StatusOfAsync(() => cleartext.ListArraysAsync()));
    }

    [Fact]
    public async Task PemAndPkcs12FilesLoadAndServe()
    {
        using var certificate = SelfSigned("resif-test");
        string dir = Testing.TestPaths.NewTempDirectory("resif-tls");
        try
        {
            string pfx = Path.Combine(dir, "server.pfx"), crt = Path.Combine(dir, "server.crt"), key = Path.Combine(dir, "server.key");
            File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "pw"));
            File.WriteAllText(crt, certificate.ExportCertificatePem());
            File.WriteAllText(key, certificate.GetRSAPrivateKey()!.ExportRSAPrivateKeyPem());

            using var fromPfx = TlsCertificate.Load(pfx, password: "pw");
            using var fromPem = TlsCertificate.Load(crt, key);
            Assert.Equal(certificate.Thumbprint, fromPfx.Thumbprint);
            Assert.Equal(certificate.Thumbprint, fromPem.Thumbprint);

            using var disk = new DiskStore();
            await using var server = await Servers.StartAsync(disk.Store, o => o with { Certificate = fromPem });
            using var client = new ResifClient(Servers.Channel(server.Url, trusted: certificate));
            Assert.Empty(await client.ListArraysAsync());

            // A certificate alone, without its key, is refused by name.
            Assert.Equal("certificate", Assert.Throws<Core.InvalidRequestException>(() => TlsCertificate.Load(crt)).Field);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ACertificateWithoutPrivateKeyIsRefusedAtStart()
    {
        using var certificate = SelfSigned("resif-test");
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert));
        using var disk = new DiskStore();
        var e = await Assert.ThrowsAsync<Core.InvalidRequestException>(() => Servers.StartAsync(disk.Store, o => o with { Certificate = publicOnly }));
        Assert.Equal("certificate", e.Field);
    }
}
