namespace CriPS.Engine.Conversion;

/// <summary>What the steps' undos work from: the recorded state and backup, no survey (the node is half converted).</summary>
internal sealed class RollbackContext(NodeFiles files, NodeBackup backup, ConversionState state, Systemctl systemctl, ConversionStep record, ConversionOptions options)
{
    public ConversionOptions Options => options;
    public NodeFiles Files => files;
    public NodeBackup Backup => backup;
    public ConversionState State => state;
    public Systemctl Systemctl => systemctl;

    /// <summary>The rollback's own step in the report: each undo says there what it did.</summary>
    public List<string> Details => record.Details;
}
