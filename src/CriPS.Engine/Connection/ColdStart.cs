using Grpc.Net.Client;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine.Connection;

/// <summary>
/// Work a first call would otherwise do on the pipeline thread, done while PowerShell is still busy importing and
/// binding: the engine's assemblies are loaded and their types set up. Nothing connects anywhere.
/// </summary>
public static class ColdStart
{
    public static void Prepare()
    {
        using var channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler() });
        _ = new V1.RuntimeService.RuntimeServiceClient(channel);
        _ = new V1.ImageService.ImageServiceClient(channel);
        var request = new V1.ListContainersRequest { Filter = new V1.ContainerFilter { State = new V1.ContainerStateValue() } };
        _ = V1.ListContainersRequest.Parser.ParseFrom(Google.Protobuf.MessageExtensions.ToByteArray(request));
        _ = V1.ListContainersResponse.Parser.ParseFrom([]);
        _ = V1.ListPodSandboxResponse.Parser.ParseFrom([]);
        _ = V1.VersionResponse.Parser.ParseFrom([]);
    }
}
