using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Talos.Api.Security;
using Talos.Core.Errors;
using Talos.Core.Pki;

namespace Talos.Machined.Trustd;

/// <summary>
/// trustd on a control plane: signs a worker's server certificate when the caller presents the machine token.
/// The token is compared in constant time; a wrong or missing token is PermissionDenied and signs nothing.
/// </summary>
public sealed class TrustdService(Func<TrustdAuthority?> authority, TimeProvider time) : SecurityService.SecurityServiceBase
{
    /// <summary>Validity of the certificates trustd signs (upstream: one year for node certificates).</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(365);

    /// <inheritdoc />
    public override Task<CertificateResponse> Certificate(CertificateRequest request, ServerCallContext context)
    {
        var ca = authority() ?? throw new RpcException(new Status(StatusCode.Unavailable, "trustd: this node has no configuration yet"));
        var token = context.RequestHeaders.GetValue("token") ?? "";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(ca.Token)))
            throw new RpcException(new Status(StatusCode.PermissionDenied, "trustd: invalid machine token"));
        try
        {
            var (publicKey, addresses) = ServerCertificateRequest.Read(request.Csr.ToStringUtf8());
            var crt = ca.Authority.SignServer(new PkiContext(time, new Org.BouncyCastle.Security.SecureRandom()), publicKey, addresses, [], Validity);
            return Task.FromResult(new CertificateResponse
            {
                Ca = ByteString.CopyFromUtf8(ca.Authority.CertificatePem),
                Crt = ByteString.CopyFromUtf8(PemCodec.WriteCertificate(crt)),
            });
        }
        catch (TalosException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "trustd: " + e.Message));
        }
    }
}

/// <summary>The signing CA (with its key) and the machine token that authorises requests.</summary>
public sealed record TrustdAuthority(CertificateAuthority Authority, string Token);
