namespace Talos.Ctl.Tests.Commands;

/// <summary>--insecure against a configured node (mutual TLS required) says what to do instead of "unreachable".</summary>
public sealed class InsecureAgainstAConfiguredNodeIsExplained : NodeCommandTestBase
{
    [Fact]
    public async Task The_error_names_the_client_certificate_requirement()
    {
        File.WriteAllText(PathOf("w.yaml"), "version: v1alpha1\nmachine:\n  type: worker\n");
        var r = await Run("apply-config", "--insecure", "-n", $"127.0.9.1:{Node1.Port}", "--file", PathOf("w.yaml"));
        Assert.Equal(1, r.Rc);
        Assert.Equal("error: 127.0.9.1: connection closed during the TLS handshake: the node is configured and requires a client certificate (drop --insecure and use the talosconfig)\n", r.Err);
        Assert.Empty(Node1.Machine.Requests);
    }
}
