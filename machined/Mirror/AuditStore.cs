using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;

namespace Talos.Machined.Mirror;

/// <summary>
/// The fleet store with the audit read models (issue #10): the mirror's configuration (string stream keys,
/// per-event headers, <see cref="MirroredEvent"/>) plus the inline projections <see cref="NodeSummary"/> and
/// <see cref="UpgradeHistory"/>, and the <see cref="NodeHead"/> documents (registered key + latest signed head).
/// </summary>
public static class AuditStore
{
    /// <summary>Creates the store for <paramref name="schema"/>. Inline projections run in the append's transaction.</summary>
    public static DocumentStore Create(string connectionString, string schema) => DocumentStore.For(o =>
    {
        o.Connection(connectionString);
        o.DatabaseSchemaName = schema;
        o.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        o.Events.StreamIdentity = StreamIdentity.AsString;
        o.Events.MetadataConfig.HeadersEnabled = true;
        o.Events.AddEventType<MirroredEvent>();
        o.Projections.Add<NodeSummaryProjection>(ProjectionLifecycle.Inline);
        o.Projections.Add<UpgradeHistoryProjection>(ProjectionLifecycle.Inline);
        o.Schema.For<NodeSummary>().Index(x => x.ImageDigest).Index(x => x.Version).Index(x => x.LastRollbackAt!);
        o.Schema.For<NodeHead>();
    });
}
