using System.Reflection;
using Talos.Sequencer.Model;

namespace Talos.Sequencer.Sequences;

/// <summary>
/// Every task descriptor by name. Crash recovery uses it to find a task's declared recovery even when the
/// interrupted request cannot be rebuilt. Names are globally unique (checked when the directory is built).
/// </summary>
public static class TaskDirectory
{
    /// <summary>All descriptors, keyed by name.</summary>
    public static readonly IReadOnlyDictionary<string, TaskDescriptor> All = Load();

    /// <summary>The descriptor of <paramref name="name"/>, or null.</summary>
    public static TaskDescriptor? Find(string name) => All.TryGetValue(name, out var d) ? d : null;

    private static Dictionary<string, TaskDescriptor> Load()
    {
        var all = new Dictionary<string, TaskDescriptor>(StringComparer.Ordinal);
        foreach (var type in new[] { typeof(ServiceTasks), typeof(DiskTasks) })
            foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(TaskDescriptor)))
            {
                var d = (TaskDescriptor)f.GetValue(null)!;
                if (!all.TryAdd(d.Name, d)) throw new InvalidOperationException($"task name '{d.Name}' declared twice");
            }
        foreach (var d in all.Values)
            if (d.Recovery is TaskRecovery.Compensate c && !all.ContainsKey(c.CompensationTask))
                throw new InvalidOperationException($"task '{d.Name}' is compensated by unknown task '{c.CompensationTask}'");
        return all;
    }
}
