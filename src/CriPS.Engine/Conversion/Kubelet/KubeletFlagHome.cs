namespace CriPS.Engine.Conversion;

/// <summary>The file (and variable) a run of the kubelet's arguments is written in.</summary>
internal sealed record KubeletFlagHome(KubeletFlagHomeKind Kind, string File, string? Variable)
{
    /// <summary>
    /// How change lines and findings name it. kubeadm's two files keep the short names the conversion always
    /// used for them; any other place is named by its file and variable.
    /// </summary>
    public string Label => this switch
    {
        { Kind: KubeletFlagHomeKind.EnvironmentFile, File: NodePaths.KubeadmFlagsEnv, Variable: KubeletEnvFile.KubeadmVariable } => "kubeadm-flags.env",
        { Kind: KubeletFlagHomeKind.EnvironmentFile, File: NodePaths.DebianKubeletDefaults or NodePaths.RedHatKubeletDefaults, Variable: KubeletEnvFile.ExtraVariable } => KubeletEnvFile.ExtraVariable,
        { Kind: KubeletFlagHomeKind.EnvironmentFile } => $"{File} {Variable}",
        { Kind: KubeletFlagHomeKind.UnitEnvironment } => $"{File} Environment={Variable}",
        _ => $"{File} ExecStart",
    };
}
