using Docker.DotNet;
using Docker.DotNet.Models;

namespace CriPS.Engine.Conversion;

/// <summary>
/// The Docker Engine API, through Docker.DotNet over the daemon's socket. Requests carry no API version, so any
/// daemon answers in its own (a 20.10 daemon refuses the newer version the library would ask for).
/// </summary>
internal sealed class DockerEngine : IDisposable
{
    private readonly DockerClient _client;

    public DockerEngine(string endpoint, TimeSpan timeout)
    {
        Endpoint = endpoint.StartsWith('/') ? "unix://" + endpoint : endpoint;
        _client = new DockerClientBuilder().WithEndpoint(new Uri(Endpoint)).WithTimeout(timeout).Build();
    }

    public string Endpoint { get; }

    public void Dispose() => _client.Dispose();

    public async Task<DockerSnapshot> SnapshotAsync(CancellationToken cancel)
    {
        var version = await Call(() => _client.System.GetVersionAsync(cancel), "DockerVersion").ConfigureAwait(false);
        var images = await Call(() => _client.Images.ListImagesAsync(new ImagesListParameters { All = false }, cancel), "DockerImageList").ConfigureAwait(false);
        var containers = await Call(() => _client.Containers.ListContainersAsync(new ContainersListParameters { All = true }, cancel), "DockerContainerList").ConfigureAwait(false);
        return new DockerSnapshot
        {
            Version = version.Version,
            Images = images.Select(i => new DockerImageFacts
            {
                Id = i.ID,
                Size = i.Size,
                Tags = (i.RepoTags ?? []).Where(t => t != "<none>:<none>").ToList(),
            }).OrderBy(i => i.Tags.FirstOrDefault() ?? "~" + i.Id, StringComparer.Ordinal).ToList(),
            Containers = containers.Select(c => new DockerContainerFacts
            {
                Id = c.ID,
                Name = (c.Names?.FirstOrDefault() ?? c.ID).TrimStart('/'),
                State = c.State,
                MountSources = (c.Mounts ?? []).Select(m => m.Source).Where(s => !string.IsNullOrEmpty(s)).ToList(),
            }).ToList(),
        };
    }

    /// <summary>`docker save` of the named images as one stream (GET /images/get), read as it arrives.</summary>
    public Task<Stream> SaveAsync(IReadOnlyList<string> names, CancellationToken cancel) =>
        Call(() => _client.Images.SaveImagesAsync(names.ToArray(), cancel), "DockerImageSave");

    public async Task StopContainerAsync(string id, TimeSpan grace, CancellationToken cancel) =>
        await Call(() => _client.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)grace.TotalSeconds }, cancel),
            "DockerContainerStop").ConfigureAwait(false);

    private async Task<T> Call<T>(Func<Task<T>> call, string operation)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            throw new CriException(operation + "Failed", CriErrorCategory.InvalidOperation, $"Docker refused {operation}: {e.ResponseBody}", Endpoint, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            throw new CriException("DockerUnavailable", CriErrorCategory.ConnectionError,
                $"Docker does not answer on {Endpoint}: {e.Message}", Endpoint, e);
        }
        catch (TimeoutException e)
        {
            throw new CriException("CriTimeout", CriErrorCategory.OperationTimeout, $"Docker did not answer {operation} in time on {Endpoint}.", Endpoint, e);
        }
    }
}
