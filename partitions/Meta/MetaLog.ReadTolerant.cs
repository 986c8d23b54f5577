using Talos.Partitions.Devices;

namespace Talos.Partitions.Meta;

public sealed partial class MetaLog
{
    /// <summary>Unreadable sectors met while loading (read as damaged bytes); reported in <see cref="Recovery"/>.</summary>
    private int _unreadableSectors;

    /// <summary>
    /// Reads for recovery, tolerating latent sector errors: a sector the medium cannot read
    /// (<see cref="SectorReadException"/>) is returned as 0xFF bytes, which no superblock, checkpoint or record frame
    /// verifies as, so recovery treats it exactly like a torn or corrupt sector (another superblock copy, or a cut tail
    /// that is then rewritten, which heals the sector). Before this, one unreadable sector in META failed every
    /// power-on: the node could not boot at all (found by the simulation's read-error fault, issue #11).
    /// </summary>
    private void ReadTolerant(long offset, Span<byte> buffer)
    {
        try
        {
            _dev.Read(offset, buffer);
            return;
        }
        catch (SectorReadException) { }
        for (var at = 0; at < buffer.Length; at += _sector)
        {
            var sector = buffer.Slice(at, Math.Min(_sector, buffer.Length - at));
            try { _dev.Read(offset + at, sector); }
            catch (SectorReadException)
            {
                sector.Fill(0xFF);
                _unreadableSectors++;
            }
        }
    }
}
