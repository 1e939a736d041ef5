namespace CriPS.Engine.Conversion;

/// <summary>
/// Carries Docker's daemon settings over to containerd: registry mirrors and insecure registries become
/// certs.d hosts.toml files, Docker's registry certificates are copied beside them, proxy drop-ins are mirrored
/// for containerd.service, ulimits are mirrored when asked. Each setting ends up in the report, carried or not.
/// </summary>
internal sealed class DockerSettingsTranslator(NodeSurvey survey, NodePlan plan)
{
    private const string Step = DockerSettingsStep.StepName;
    private string CertsDirectory => plan.Containerd.RegistryConfigPath;

    public void Translate()
    {
        var docker = survey.Docker;
        if (docker.RegistryMirrors.Count > 0)
        {
            AddHosts("docker.io", () => RegistryHosts.Mirrors(docker.RegistryMirrors, ExistingHosts("docker.io")));
            foreach (var mirror in docker.RegistryMirrors)
                Carry("registry-mirrors", mirror, "Carried", HostsPath("docker.io"));
        }

        var certificates = DockerCertificates();
        var untranslatable = RegistryHosts.Untranslatable(docker.InsecureRegistries);
        foreach (var registry in docker.InsecureRegistries)
        {
            if (untranslatable.Any(u => u.Contains(registry, StringComparison.Ordinal)))
            {
                Carry("insecure-registries", registry, "Untranslatable", "containerd names registries by host; a network range has no hosts.toml");
                continue;
            }
            certificates.Remove(registry, out var certs);
            AddHosts(registry, () => RegistryHosts.Insecure(registry, certs?.Cas ?? [], certs?.Clients ?? [], CertsDirectory, ExistingHosts(registry)));
            CopyCertificates(registry, certs);
            Carry("insecure-registries", registry, "Carried", HostsPath(registry));
        }
        foreach (var (host, certs) in certificates)
        {
            AddHosts(host, () => RegistryHosts.Certificates(host, certs.Cas, certs.Clients, CertsDirectory, ExistingHosts(host)));
            CopyCertificates(host, certs);
            Carry("certs.d", $"{NodePaths.DockerCertsDirectory}/{host}", "Carried", $"{CertsDirectory}/{host}/");
        }

        TranslateProxies();
        TranslateUlimits();
        if (docker.DataRoot is { } dataRoot)
            Carry("data-root", dataRoot, "Reported", "Docker's images and containers stay there; remove the directory once you no longer need Docker");
    }

    private string HostsPath(string host) => $"{CertsDirectory}/{host}/hosts.toml";

    private string? ExistingHosts(string host) => survey.Files.ReadText(HostsPath(host)) is { } text && !IsOurs(HostsPath(host)) ? text : null;

    // A hosts.toml this conversion wrote in an earlier (interrupted) run is not the user's: plan from scratch.
    private bool IsOurs(string nodePath) => survey.Backup.Entries.Any(e => e.Path == nodePath && !e.Existed);

    private void AddHosts(string host, Func<HostsFile> make)
    {
        try
        {
            var file = make();
            plan.Files.Add(PlannedFile.Text(Step, HostsPath(file.Host), file.Text, file.Notes.Count > 0 ? file.Notes : [$"registry host {file.Host}"]));
        }
        catch (CriException e)
        {
            // An existing hosts.toml we cannot merge into safely: a person must look at it first.
            plan.Problems.Add(new ConversionFinding { Severity = FindingSeverity.Error, Id = e.ErrorId, Message = e.Message, Target = HostsPath(host) });
        }
    }

    private sealed record HostCertificates(List<string> Cas, List<(string Cert, string Key)> Clients, List<string> Files);

    /// <summary>/etc/docker/certs.d/HOST: *.crt are CAs, NAME.cert with NAME.key a client pair (Docker's rules).</summary>
    private Dictionary<string, HostCertificates> DockerCertificates()
    {
        var result = new Dictionary<string, HostCertificates>(StringComparer.Ordinal);
        foreach (var directory in survey.Files.Subdirectories(NodePaths.DockerCertsDirectory))
        {
            var host = Path.GetFileName(directory);
            var files = survey.Files.List(directory, "*").Select(Path.GetFileName).OfType<string>().ToList();
            var cas = files.Where(f => f.EndsWith(".crt", StringComparison.Ordinal)).ToList();
            var clients = files.Where(f => f.EndsWith(".cert", StringComparison.Ordinal))
                .Select(c => (Cert: c, Key: c[..^".cert".Length] + ".key"))
                .Where(p => files.Contains(p.Key)).ToList();
            if (cas.Count + clients.Count > 0)
                result[host] = new HostCertificates(cas, clients, cas.Concat(clients.SelectMany(p => new[] { p.Cert, p.Key })).ToList());
        }
        return result;
    }

    private void CopyCertificates(string host, HostCertificates? certs)
    {
        foreach (var name in certs?.Files ?? [])
        {
            var from = $"{NodePaths.DockerCertsDirectory}/{host}/{name}";
            plan.Files.Add(new PlannedFile(Step, $"{CertsDirectory}/{host}/{name}", survey.Files.ReadBytes(from)!, [$"copied from {from}"], survey.Files.Facts(from)));
        }
    }

    private void TranslateProxies()
    {
        var environment = new List<string>();
        foreach (var dropIn in survey.Files.List(NodePaths.DockerDropIns, "*.conf"))
            environment.AddRange(SystemdDropIn.ProxyEnvironment(survey.Files.ReadText(dropIn) ?? ""));
        if (environment.Count == 0)
            return;
        var path = NodePaths.ContainerdDropIns + "/http-proxy.conf";
        plan.Files.Add(PlannedFile.Text(Step, path, SystemdDropIn.RenderProxy(environment), ["Docker's proxy settings, for containerd's pulls"]));
        foreach (var variable in environment)
            Carry("docker.service proxy", variable, "Carried", path);
    }

    private void TranslateUlimits()
    {
        if (survey.Docker.DefaultUlimits.Count == 0)
            return;
        var (directives, untranslatable) = DockerUlimits.ToSystemdDirectives(survey.Docker.DefaultUlimits);
        var path = NodePaths.ContainerdDropIns + "/ulimits.conf";
        if (survey.Options.CarryUlimits && directives.Count > 0)
            plan.Files.Add(PlannedFile.Text(Step, path, "# Docker's default-ulimits, carried over by CriPS: containers inherit containerd's limits.\n[Service]\n"
                + string.Concat(directives.Select(d => d + "\n")), ["Docker's default-ulimits"]));
        foreach (var directive in directives)
            Carry("default-ulimits", directive, survey.Options.CarryUlimits ? "Carried" : "Reported",
                survey.Options.CarryUlimits ? path : "containers now inherit containerd.service's limits; use -CarryUlimits to mirror them");
        foreach (var name in untranslatable)
            Carry("default-ulimits", name, "Untranslatable", "systemd has no matching Limit directive");
    }

    private void Carry(string setting, string value, string status, string destination) =>
        plan.Carried.Add(new CarriedSetting { Setting = setting, Value = value, Status = status, Destination = destination });
}
