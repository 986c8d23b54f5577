using Talos.Core.Errors;

namespace Talos.Partitions.Devices;

/// <summary>A sector could not be read (a latent sector error, injected by the power-loss simulator's crash model).</summary>
public sealed class SectorReadException : TalosException
{
    /// <summary>Creates the exception for <paramref name="sector"/>.</summary>
    public SectorReadException(long sector, int sectorSize)
        : base($"read error at sector {sector} (byte {sector * sectorSize}): the medium returned an I/O error; use the redundant copy of this data")
    {
        Sector = sector;
    }

    /// <summary>The unreadable sector number.</summary>
    public long Sector { get; }

    /// <inheritdoc />
    public override ErrorCode Code => ErrorCode.DataLoss;
}
