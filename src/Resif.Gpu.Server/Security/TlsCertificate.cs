using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Resif.Gpu.Core;

namespace Resif.Gpu.Server.Security;

/// <summary>Loads the server's TLS certificate from the files a data centre has: PKCS#12 (.pfx/.p12) or PEM (certificate + key).</summary>
public static class TlsCertificate
{
    /// <param name="path">A .pfx/.p12 file, or a PEM certificate (chain).</param>
    /// <param name="keyPath">The PEM private key when it is not in <paramref name="path"/>; ignored for PKCS#12.</param>
    /// <param name="password">Of the PKCS#12 file or of an encrypted PEM key.</param>
    public static X509Certificate2 Load(string path, string? keyPath = null, string? password = null)
    {
        if (!File.Exists(path)) throw new InvalidRequestException("certificate", $"'{path}' does not exist");
        if (keyPath is not null && !File.Exists(keyPath)) throw new InvalidRequestException("certificate_key", $"'{keyPath}' does not exist");
        X509Certificate2 certificate;
        try
        {
            string extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is ".pfx" or ".p12") return Checked(X509CertificateLoader.LoadPkcs12FromFile(path, password));
            using var pem = password is null ? X509Certificate2.CreateFromPemFile(path, keyPath) : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
            // Through PKCS#12: the TLS stack on Linux needs a key it can export to its own store, not an ephemeral one.
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pfx), null);
        }
        catch (CryptographicException e)
        {
            throw new InvalidRequestException("certificate", $"'{path}' cannot be loaded as a certificate with its private key: {e.Message}");
        }
        return Checked(certificate);
    }

    private static X509Certificate2 Checked(X509Certificate2 certificate) => certificate.HasPrivateKey ? certificate
        : throw new InvalidRequestException("certificate", "the certificate has no private key");
}
