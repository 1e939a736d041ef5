using System.Management.Automation;
using System.Net;
using CriPS.Completion;
using CriPS.Engine.Filtering;
using CriPS.Engine.Streaming;

namespace CriPS.Cmdlets;

/// <summary>
/// Forwards local TCP ports to ports of a pod (crictl port-forward) until Ctrl+C: writes one PortForward per port
/// once every port listens, then forwards each connection over its own stream from the runtime's streaming server.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "CriPortForward")]
[OutputType(typeof(PortForward))]
public sealed class StartCriPortForwardCommand : CriCmdlet
{
    /// <summary>The pod's id or a unique prefix (alias -Id); a pod binds its Id from the pipeline, a container its PodId.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    [PodIdTransformation]
    public string PodId { get; set; } = "";

    /// <summary>Port mappings: "8080:80" (local:pod), "80" (the same on both sides), ":80" (a free local port).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[] Port { get; set; } = [];

    /// <summary>The local address to listen on: 127.0.0.1 by default; ::1, 0.0.0.0 or another of the host's addresses.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Address { get; set; } = "127.0.0.1";

    private readonly List<PortForwardMapping> _mappings = [];
    private IPAddress _address = IPAddress.Loopback;
    private string? _podId;

    protected override void CheckParameters()
    {
        try
        {
            _address = PortForwardMapping.ParseAddress(Address);
            _mappings.AddRange(Port.Select(PortForwardMapping.Parse));
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
        }
    }

    protected override void ProcessRecord()
    {
        // The forward runs until Ctrl+C, so it starts once the input has ended; it serves one pod, since the
        // local ports of a second would be the first's.
        if (_podId is not null && !string.Equals(_podId, PodId, StringComparison.OrdinalIgnoreCase))
            ThrowTerminating(new CriException("CriPortForwardOnePod", CriErrorCategory.InvalidArgument,
                $"Start-CriPortForward forwards the ports of one pod, and got a second ({PodId} after {_podId}); start one for each pod.", PodId));
        _podId = PodId;
    }

    protected override void EndProcessing()
    {
        if (_podId is not { } typed)
            return;
        Run(async (output, cancel) =>
        {
            var pods = await Client.GetPodsAsync(new PodQuery { Id = [typed] }, cancel).ConfigureAwait(false);
            if (pods.Errors.Count > 0)
                throw pods.Errors[0];
            var pod = pods.Items[0];
            if (pod.State != PodState.Ready)
                throw new CriException("CriPodNotReady", CriErrorCategory.InvalidOperation,
                    $"Pod {pod.Namespace}/{pod.Name} ({pod.Id}) is {pod.State}: only a ready pod's ports can be forwarded.", typed);
            output.Verbose($"Forwarding to pod {pod.Namespace}/{pod.Name} ({pod.Id}) until Ctrl+C.");
            await Client.ForwardPortsAsync(pod.Id, _address, _mappings, output.ObjectAsync, output.Verbose, output.Error, cancel).ConfigureAwait(false);
            return true;
        }, null);
    }
}
