namespace Talos.Core.Pki;

/// <summary>
/// Key algorithms the PKI can create. .NET 10 cannot hold an Ed25519 private key (spike-grpc-mtls.md §1), so every
/// certificate whose key a .NET process presents in TLS (node server certificate, the C# CLI's client
/// certificate) must be <see cref="EcdsaP256"/>; the OS CA may be <see cref="Ed25519"/> like upstream.
/// </summary>
public enum PkiKeyAlgorithm
{
    /// <summary>ECDSA on NIST P-256 (named curve), signatures SHA-256 with ECDSA.</summary>
    EcdsaP256,
    /// <summary>Pure Ed25519 (upstream Talos's OS CA default).</summary>
    Ed25519,
}
