using Google.Protobuf.Reflection;
using Talos.Api.Cosi;
using Talos.Api.Machine;

namespace Talos.Machined.Tests.Api;

/// <summary>
/// Wire compatibility with upstream: message and field names and numbers of the key messages, read from the
/// generated descriptors, against golden lines copied from upstream's protos (talos-internals.md §6).
/// </summary>
public sealed class ProtoContractGoldenTests
{
    private static string Render(MessageDescriptor m) =>
        $"{m.FullName}{{" + string.Join(",", m.Fields.InFieldNumberOrder().Select(f => $"{f.Name}={f.FieldNumber}")) + "}";

    [Theory]
    [InlineData("machine.ApplyConfigurationRequest{data=1,mode=4,dry_run=5,try_mode_timeout=6}")]
    [InlineData("machine.ApplyConfiguration{metadata=1,warnings=2,mode=3,mode_details=4}")]
    [InlineData("machine.ApplyConfigurationResponse{messages=1}")]
    [InlineData("machine.Version{metadata=1,version=2,platform=3,features=4}")]
    [InlineData("machine.VersionInfo{tag=1,sha=2,built=3,go_version=4,os=5,arch=6}")]
    [InlineData("machine.PlatformInfo{name=1,mode=2}")]
    [InlineData("machine.BootstrapRequest{recover_etcd=1,recover_skip_hash_check=2}")]
    [InlineData("machine.UpgradeRequest{image=1,preserve=2,stage=3,force=4,reboot_mode=5}")]
    [InlineData("machine.Upgrade{metadata=1,ack=2,actor_id=3}")]
    [InlineData("machine.ResetRequest{graceful=1,reboot=2,system_partitions_to_wipe=3,user_disks_to_wipe=4,mode=5}")]
    [InlineData("machine.ResetPartitionSpec{label=1,wipe=2}")]
    [InlineData("machine.Reset{metadata=1,actor_id=2}")]
    [InlineData("machine.RebootRequest{mode=1}")]
    [InlineData("machine.Reboot{metadata=1,actor_id=2}")]
    [InlineData("machine.ShutdownRequest{force=1}")]
    [InlineData("machine.LogsRequest{namespace=1,id=2,driver=3,follow=4,tail_lines=5}")]
    [InlineData("machine.DmesgRequest{follow=1,tail=2}")]
    [InlineData("machine.ServiceInfo{id=1,state=2,events=3,health=4}")]
    [InlineData("machine.ServiceEvent{msg=1,state=2,ts=3}")]
    [InlineData("machine.ServiceHealth{unknown=1,healthy=2,last_message=3,last_change=4}")]
    [InlineData("machine.ServiceList{metadata=1,services=2}")]
    [InlineData("machine.ServiceStart{metadata=1,resp=2}")]
    // audit_records=100: Talos.NET extension for audits over the API (issue #10, specs/api.md §9.1); upstream fields unchanged.
    [InlineData("machine.EventsRequest{tail_events=1,tail_id=2,tail_seconds=3,with_actor_id=4,audit_records=100}")]
    [InlineData("machine.Event{metadata=1,data=2,id=3,actor_id=4}")]
    [InlineData("machine.SequenceEvent{sequence=1,action=2,error=3}")]
    [InlineData("machine.PhaseEvent{phase=1,action=2}")]
    [InlineData("machine.TaskEvent{task=1,action=2}")]
    [InlineData("machine.ServiceStateEvent{service=1,action=2,message=3,health=4}")]
    [InlineData("machine.MachineStatusEvent{stage=1,status=2}")]
    [InlineData("machine.EtcdMember{id=2,hostname=3,peer_urls=4,client_urls=5,is_learner=6}")]
    [InlineData("machine.EtcdMembers{metadata=1,legacy_members=2,members=3}")]
    [InlineData("machine.EtcdRemoveMemberByIDRequest{member_id=1}")]
    [InlineData("machine.EtcdRemoveMemberByID{metadata=1}")]
    [InlineData("machine.EtcdLeaveCluster{metadata=1}")]
    [InlineData("machine.EtcdForfeitLeadership{metadata=1,member=2}")]
    [InlineData("machine.EtcdForfeitLeadershipResponse{messages=1}")]
    [InlineData("machine.EtcdRecover{metadata=1}")]
    [InlineData("machine.MetaWriteRequest{key=1,value=2}")]
    [InlineData("machine.MetaDeleteRequest{key=1}")]
    [InlineData("machine.GenerateClientConfigurationRequest{roles=1,crt_ttl=2}")]
    [InlineData("machine.GenerateClientConfiguration{metadata=1,ca=2,crt=3,key=4,talosconfig=5}")]
    [InlineData("common.Metadata{hostname=1,error=2,status=3}")]
    [InlineData("common.Data{metadata=1,bytes=2}")]
    [InlineData("cosi.resource.Metadata{namespace=1,type=2,id=3,version=4,owner=5,phase=6,created=7,updated=8,finalizers=9,labels=10,annotations=11}")]
    [InlineData("cosi.resource.Spec{proto_spec=1,yaml_spec=2}")]
    [InlineData("cosi.resource.Resource{metadata=1,spec=2}")]
    [InlineData("cosi.resource.GetRequest{namespace=1,type=2,id=3,options=4}")]
    [InlineData("cosi.resource.ListRequest{namespace=1,type=2,options=3}")]
    [InlineData("cosi.resource.WatchRequest{namespace=1,type=2,id=3,options=4,api_version=5}")]
    [InlineData("cosi.resource.WatchOptions{bootstrap_contents=1,tail_events=2,label_query=3,id_query=4,aggregated=5,start_from_bookmark=6,bootstrap_bookmark=7}")]
    [InlineData("cosi.resource.WatchResponse{event=1}")]
    [InlineData("cosi.resource.Event{resource=1,event_type=2,old=3,error=4,bookmark=5}")]
    [InlineData("talos.resource.definitions.MachineStatusSpec{stage=1,status=2}")]
    [InlineData("talos.resource.definitions.MachineStatusStatus{ready=1,unmet_conditions=2}")]
    [InlineData("talos.resource.definitions.MetaKeySpec{value=1}")]
    [InlineData("talos.resource.definitions.ServiceSpec{running=1,healthy=2,unknown=3}")]
    public void Key_messages_have_upstream_field_names_and_numbers(string golden)
    {
        var name = golden[..golden.IndexOf('{')];
        var message = Registry.Find(name);
        Assert.NotNull(message);
        Assert.Equal(golden, Render(message));
    }

    [Fact]
    public void Enums_have_upstream_values()
    {
        Assert.Equal("REBOOT=0,AUTO=1,NO_REBOOT=2,STAGED=3,TRY=4", Values(Nested(ApplyConfigurationRequest.Descriptor, "Mode")));
        Assert.Equal("ALL=0,SYSTEM_DISK=1,USER_DISKS=2", Values(Nested(ResetRequest.Descriptor, "WipeMode")));
        Assert.Equal("DEFAULT=0,POWERCYCLE=1,FORCE=2", Values(Nested(RebootRequest.Descriptor, "Mode")));
        Assert.Equal("NOOP=0,START=1,STOP=2", Values(Nested(SequenceEvent.Descriptor, "Action")));
        Assert.Equal("INITIALIZED=0,PREPARING=1,WAITING=2,RUNNING=3,STOPPING=4,FINISHED=5,FAILED=6,SKIPPED=7,STARTING=8",
            Values(Nested(ServiceStateEvent.Descriptor, "Action")));
        Assert.Equal("CREATED=0,UPDATED=1,DESTROYED=2,BOOTSTRAPPED=3,ERRORED=4,NOOP=5", Values(StateReflection.Descriptor.EnumTypes.Single(e => e.Name == "EventType")));
        Assert.Equal("FATAL=0,LOCKED=1,CANCELED=2", Values(Nested(Talos.Api.Common.Error.Descriptor, "Code")));
    }

    [Fact]
    public void Services_have_upstream_names_and_the_rpcs_the_issue_lists()
    {
        var machine = MachineReflection.Descriptor.Services.Single();
        Assert.Equal("machine.MachineService", machine.FullName);
        string[] required = ["Version", "ApplyConfiguration", "Bootstrap", "Upgrade", "Rollback", "Reset", "Reboot", "Shutdown",
            "ServiceList", "ServiceStart", "ServiceStop", "ServiceRestart", "Logs", "Dmesg", "Events", "EtcdMemberList",
            "EtcdSnapshot", "EtcdRecover", "EtcdRemoveMemberByID", "EtcdLeaveCluster", "EtcdForfeitLeadership", "MetaWrite", "MetaDelete", "GenerateClientConfiguration"];
        Assert.Empty(required.Except(machine.Methods.Select(m => m.Name)));
        Assert.True(machine.FindMethodByName("Events").IsServerStreaming);
        Assert.Equal("machine.Event", machine.FindMethodByName("Events").OutputType.FullName);
        Assert.Equal("common.Data", machine.FindMethodByName("Logs").OutputType.FullName);
        Assert.Equal("google.protobuf.Empty", machine.FindMethodByName("Version").InputType.FullName);
        var state = StateReflection.Descriptor.Services.Single();
        Assert.Equal("cosi.resource.State", state.FullName);
        Assert.Equal(["Get", "List", "Create", "Update", "Destroy", "Watch", "Teardown", "TeardownAndDestroy"], state.Methods.Select(m => m.Name));
    }

    private static EnumDescriptor Nested(MessageDescriptor m, string name) => m.EnumTypes.Single(e => e.Name == name);

    private static string Values(EnumDescriptor e) => string.Join(",", e.Values.Select(v => $"{v.Name}={v.Number}"));

    private static class Registry
    {
        private static readonly FileDescriptor[] Files =
            [MachineReflection.Descriptor, StateReflection.Descriptor, ResourceReflection.Descriptor, DefinitionsReflection.Descriptor,
             Talos.Api.Common.CommonReflection.Descriptor];

        public static MessageDescriptor? Find(string fullName) =>
            Files.SelectMany(f => f.MessageTypes.SelectMany(Flatten)).FirstOrDefault(m => m.FullName == fullName);

        private static IEnumerable<MessageDescriptor> Flatten(MessageDescriptor m) => m.NestedTypes.SelectMany(Flatten).Prepend(m);
    }
}
