<#
.SYNOPSIS
    Builds the MAML help file of a binary module (CriPS.dll-Help.xml) from its PlatyPS-style markdown docs.
.DESCRIPTION
    Run it in a pwsh where the module is already imported. For every cmdlet the module exports it reads
    DocsPath/<Cmdlet-Name>.md and writes one command:command entry to OutFile. Names, syntax and parameter facts
    (parameter sets, type, required, position, pipeline input, aliases, wildcards) come from the LOADED cmdlet;
    the markdown gives the synopsis, description, parameter descriptions, default values, examples, inputs,
    outputs, notes and links. Markdown files that do not name an exported cmdlet are ignored.

    It stops with one error that lists every problem, and writes nothing, when an exported cmdlet has no doc,
    a doc has no synopsis, a doc's title is not its cmdlet's name, or a doc's parameters differ from the
    cmdlet's (one it lacks or one it does not have), so the docs stay in step with the code.
.EXAMPLE
    Import-Module ./out/CriPS; ./tools/Build-HelpXml.ps1 -DocsPath ./docs -OutFile ./out/CriPS/en-US/CriPS.dll-Help.xml
#>
[CmdletBinding()]
param(
    # The folder of the markdown docs, one <Cmdlet-Name>.md per cmdlet.
    [Parameter(Mandatory)]
    [string] $DocsPath,

    # The imported module whose exported cmdlets are documented.
    [string] $ModuleName = 'CriPS',

    # The help file to write; Get-Help reads <ModuleBase>/<culture>/<Assembly>.dll-Help.xml.
    [Parameter(Mandatory)]
    [string] $OutFile
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Ns = @{
    msh     = 'http://msh'
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}
# Common parameters are documented by Get-Help itself; WhatIf and Confirm are the cmdlet's and are documented here.
$CommonParameters = [System.Management.Automation.Cmdlet]::CommonParameters

#region Markdown

function Split-Markdown([string] $Text) {
    # Splits a doc on its headings: front matter, the H1 title, and H2 sections holding their H3 subsections.
    # Lines inside ``` fences are never headings (code comments start with # too).
    $lines = $Text -replace "`r`n", "`n" -split "`n"
    $doc = [ordered]@{ FrontMatter = @{}; Title = $null; Sections = [ordered]@{} }
    $i = 0
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
        for ($i = 1; $i -lt $lines.Count -and $lines[$i].Trim() -ne '---'; $i++) {
            if ($lines[$i] -match '^\s*([^:]+):\s*(.*?)\s*$') { $doc.FrontMatter[$Matches[1].Trim()] = $Matches[2] }
        }
        $i++
    }
    $section = $null; $sub = $null; $inFence = $false
    for (; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line -match '^(#{1,3})\s+(.+?)\s*#*\s*$') {
            $level = $Matches[1].Length; $title = $Matches[2]
            if ($level -eq 1) { $doc.Title = $title; $section = $null; $sub = $null; continue }
            if ($level -eq 2) {
                $section = [pscustomobject]@{ Title = $title; Lines = [Collections.Generic.List[string]]::new(); Subs = [Collections.Generic.List[object]]::new() }
                $doc.Sections[$title.ToUpperInvariant()] = $section; $sub = $null; continue
            }
            if ($null -ne $section) {
                $sub = [pscustomobject]@{ Title = $title; Lines = [Collections.Generic.List[string]]::new() }
                $section.Subs.Add($sub); continue
            }
        }
        if ($null -ne $sub) { $sub.Lines.Add($line) } elseif ($null -ne $section) { $section.Lines.Add($line) }
    }
    [pscustomobject]$doc
}

function ConvertFrom-Inline([string] $Text) {
    # Markdown links read badly in a console: [text](http://x) becomes "text (http://x)", [text](file.md) just "text".
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\((https?://[^)]+)\)', '$1 ($2)')
    [regex]::Replace($Text, '\[([^\]]+)\]\(([^)]*)\)', '$1')
}

function ConvertTo-Paragraph([string[]] $Lines) {
    # Blank lines end a paragraph; each list item is a paragraph of its own; a fenced block is kept verbatim.
    $paragraphs = [Collections.Generic.List[string]]::new()
    $current = [Collections.Generic.List[string]]::new()
    $fence = $null
    $flush = { if ($current.Count) { $paragraphs.Add((ConvertFrom-Inline ($current -join ' '))); $current.Clear() } }
    foreach ($line in $Lines) {
        if ($null -ne $fence) {
            if ($line -match '^\s*```') { $paragraphs.Add($fence -join "`n"); $fence = $null } else { $fence.Add($line) }
            continue
        }
        if ($line -match '^\s*```') { & $flush; $fence = [Collections.Generic.List[string]]::new(); continue }
        if ($line.Trim() -eq '') { & $flush; continue }
        if ($line -match '^\s*([-*+]|\d+\.)\s+') { & $flush }
        $current.Add($line.Trim())
    }
    & $flush
    if ($null -ne $fence) { $paragraphs.Add($fence -join "`n") }
    , $paragraphs.ToArray()
}

function Split-Code([string[]] $Lines) {
    # An example: the text of its fenced blocks (joined by a blank line) and the paragraphs around them.
    $code = [Collections.Generic.List[string]]::new()
    $text = [Collections.Generic.List[string]]::new()
    $block = $null
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') {
            if ($null -eq $block) { $block = [Collections.Generic.List[string]]::new() }
            else { $code.Add(($block -join "`n").TrimEnd()); $block = $null }
            continue
        }
        if ($null -ne $block) { $block.Add($line) } else { $text.Add($line) }
    }
    [pscustomobject]@{ Code = ($code -join "`n`n"); Remarks = (ConvertTo-Paragraph $text) }
}

function Get-SectionParagraph($Doc, [string] $Name) {
    # The paragraphs of an H2 section, or none when the doc lacks it.
    if (-not $Doc.Sections.Contains($Name)) { return , @() }
    ConvertTo-Paragraph $Doc.Sections[$Name].Lines
}

function Get-ParameterDoc($Doc) {
    # "### -Name" subsections of PARAMETERS: the text before the ```yaml block, and its "Default value".
    $result = [ordered]@{}
    if (-not $Doc.Sections.Contains('PARAMETERS')) { return $result }
    foreach ($sub in $Doc.Sections['PARAMETERS'].Subs) {
        if ($sub.Title -notmatch '^-(\S+)$') { continue }   # CommonParameters and other notes
        $name = $Matches[1]
        $text = @(); $default = $null; $inYaml = $false; $seenYaml = $false
        foreach ($line in $sub.Lines) {
            if ($line -match '^\s*```') { $inYaml = -not $inYaml; $seenYaml = $true; continue }
            if ($inYaml) { if ($line -match '^\s*Default value:\s*(.*?)\s*$') { $default = $Matches[1] } }
            elseif (-not $seenYaml) { $text += $line }
        }
        $result[$name] = [pscustomobject]@{ Name = $name; Description = (ConvertTo-Paragraph $text); Default = $default }
    }
    $result
}

function Get-TypeDoc($Doc, [string] $Name) {
    # INPUTS / OUTPUTS: one entry per "### Type" subsection with its text; a bare "None" line counts too.
    if (-not $Doc.Sections.Contains($Name)) { return , @() }
    $section = $Doc.Sections[$Name]
    $entries = @(foreach ($sub in $section.Subs) { [pscustomobject]@{ Type = $sub.Title; Description = (ConvertTo-Paragraph $sub.Lines) } })
    if (-not $entries.Count) {
        $body = ConvertTo-Paragraph $section.Lines
        if ($body.Count) { $entries = @([pscustomobject]@{ Type = $body[0]; Description = @($body | Select-Object -Skip 1) }) }
    }
    , $entries
}

function Get-LinkDoc($Doc) {
    # RELATED LINKS: "[text](uri)" lines or plain text; the front matter's online version comes first.
    $links = [Collections.Generic.List[object]]::new()
    $online = $Doc.FrontMatter['online version']
    if ($online) { $links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $online }) }
    if (-not $Doc.Sections.Contains('RELATED LINKS')) { return , $links.ToArray() }
    foreach ($line in $Doc.Sections['RELATED LINKS'].Lines) {
        $line = $line.Trim()
        if (-not $line) { continue }
        if ($line -match '^\[([^\]]+)\]\(([^)]*)\)$') {
            # A link to another doc (Get-CriPod.md) becomes its name; a web address goes into the text, so that
            # Get-Help -Online, which opens the first link that has a uri, only ever opens the online version.
            $text = $Matches[1]; $target = $Matches[2]
            if ($target -match '^https?://') { $text = "$text ($target)" }
            $links.Add([pscustomobject]@{ Text = $text; Uri = '' })
        } else {
            $links.Add([pscustomobject]@{ Text = $line; Uri = '' })
        }
    }
    , $links.ToArray()
}

function Read-CommandDoc([string] $Path, [System.Management.Automation.CommandInfo] $Command, [Collections.Generic.List[string]] $Problems) {
    # Reads one doc and checks it against the cmdlet; problems are collected, not thrown, so all are reported at once.
    $doc = Split-Markdown (Get-Content -Raw -LiteralPath $Path)
    $name = $Command.Name
    if ($doc.Title -ne $name) { $Problems.Add("${Path}: the title '# $($doc.Title)' is not '# $name'.") }

    $synopsis = Get-SectionParagraph $doc 'SYNOPSIS'
    if (-not $synopsis.Count) { $Problems.Add("${Path}: '## SYNOPSIS' is missing or empty.") }
    $description = Get-SectionParagraph $doc 'DESCRIPTION'
    if (-not $description.Count) { Write-Warning "${Path}: '## DESCRIPTION' is missing or empty." }

    $parameters = Get-ParameterDoc $doc
    $actual = @(Get-DocumentedParameterName $Command)
    foreach ($p in $parameters.Keys) {
        if ($p -notin $actual) { $Problems.Add("${Path}: documents -$p, which $name does not have.") }
    }
    foreach ($p in $actual) {
        if (-not $parameters.Contains($p)) { $Problems.Add("${Path}: does not document -$p of $name (add '### -$p' under '## PARAMETERS').") }
    }

    $examples = @()
    if ($doc.Sections.Contains('EXAMPLES')) {
        $examples = @(foreach ($sub in $doc.Sections['EXAMPLES'].Subs) {
            $parts = Split-Code $sub.Lines
            [pscustomobject]@{ Title = $sub.Title; Code = $parts.Code; Remarks = $parts.Remarks }
        })
    }
    if (-not $examples.Count) { Write-Warning "${Path}: has no '### Example' under '## EXAMPLES'." }

    [pscustomobject]@{
        Synopsis    = $synopsis
        Description = $description
        Parameters  = $parameters
        Examples    = $examples
        Inputs      = Get-TypeDoc $doc 'INPUTS'
        Outputs     = Get-TypeDoc $doc 'OUTPUTS'
        Notes       = Get-SectionParagraph $doc 'NOTES'
        Links       = Get-LinkDoc $doc
    }
}

#endregion

#region Cmdlet metadata

function Get-DocumentedParameterName([System.Management.Automation.CommandInfo] $Command) {
    # The parameters a doc must describe: all but the common ones (WhatIf and Confirm stay).
    @($Command.Parameters.Keys | Where-Object { $_ -notin $CommonParameters } | Sort-Object)
}

function Get-TypeName([type] $Type) {
    # Short names as PlatyPS writes them: String[], SwitchParameter, Nullable[Int32].
    if ($Type.IsArray) { return (Get-TypeName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType) { return ($Type.Name -replace '`\d+$') + '[' + (($Type.GetGenericArguments() | ForEach-Object { Get-TypeName $_ }) -join ', ') + ']' }
    $Type.Name
}

function Get-ParameterFact([System.Management.Automation.CommandInfo] $Command, [string] $Name, [string] $SetName) {
    # What Get-Help shows of a parameter, from the loaded cmdlet, in one parameter set (or the one it is best known by).
    $meta = $Command.Parameters[$Name]
    if (-not $SetName) {
        $default = $Command.ParameterSets | Where-Object IsDefault | Select-Object -First 1
        $SetName = if ($default -and $meta.ParameterSets.ContainsKey($default.Name)) { $default.Name } else { @($meta.ParameterSets.Keys)[0] }
    }
    # A parameter that is in every set is listed under __AllParameterSets, not under the set's own name.
    $set = if ($meta.ParameterSets.ContainsKey($SetName)) { $meta.ParameterSets[$SetName] } else { $meta.ParameterSets['__AllParameterSets'] }
    $pipeline = @(if ($set.ValueFromPipelineByPropertyName) { 'ByPropertyName' }; if ($set.ValueFromPipeline) { 'ByValue' })
    [pscustomobject]@{
        Name      = $Name
        Type      = Get-TypeName $meta.ParameterType
        IsSwitch  = $meta.SwitchParameter
        Required  = $set.IsMandatory
        Position  = if ($set.Position -ge 0) { [string]$set.Position } else { 'named' }
        Pipeline  = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }
        Globbing  = [bool]@($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count
        Aliases   = if ($meta.Aliases.Count) { $meta.Aliases -join ', ' } else { 'none' }
        IsArray   = $meta.ParameterType.IsArray
    }
}

function Get-SyntaxParameterName([System.Management.Automation.CommandParameterSetInfo] $Set) {
    # Get-Command's order: positional parameters by position, then the others as declared.
    $own = @($Set.Parameters | Where-Object { $_.Name -notin $CommonParameters })
    @($own | Where-Object Position -ge 0 | Sort-Object Position) + @($own | Where-Object Position -lt 0) | ForEach-Object Name
}

#endregion

#region MAML writing

function Write-Element($W, [string] $Prefix, [string] $Name, [string] $Text) {
    $W.WriteElementString($Prefix, $Name, $Ns[$Prefix], $Text)
}

function Write-Paragraph($W, [string[]] $Paragraphs) {
    # maml:para elements; at least one, as Get-Help expects.
    if (-not $Paragraphs -or -not $Paragraphs.Count) { $Paragraphs = @('') }
    foreach ($p in $Paragraphs) { Write-Element $W 'maml' 'para' $p }
}

function Write-Description($W, [string[]] $Paragraphs) {
    $W.WriteStartElement('maml', 'description', $Ns.maml)
    Write-Paragraph $W $Paragraphs
    $W.WriteEndElement()
}

function Write-ParameterElement($W, $Fact, $Doc) {
    # One command:parameter, in a syntax item or in command:parameters.
    $W.WriteStartElement('command', 'parameter', $Ns.command)
    $W.WriteAttributeString('required', $Fact.Required.ToString().ToLowerInvariant())
    $W.WriteAttributeString('variableLength', $Fact.IsArray.ToString().ToLowerInvariant())
    $W.WriteAttributeString('globbing', $Fact.Globbing.ToString().ToLowerInvariant())
    $W.WriteAttributeString('pipelineInput', $Fact.Pipeline)
    $W.WriteAttributeString('position', $Fact.Position)
    $W.WriteAttributeString('aliases', $Fact.Aliases)
    Write-Element $W 'maml' 'name' $Fact.Name
    Write-Description $W $Doc.Description
    if (-not $Fact.IsSwitch) {
        $W.WriteStartElement('command', 'parameterValue', $Ns.command)
        $W.WriteAttributeString('required', 'true')
        $W.WriteAttributeString('variableLength', $Fact.IsArray.ToString().ToLowerInvariant())
        $W.WriteString($Fact.Type)
        $W.WriteEndElement()
    }
    $W.WriteStartElement('dev', 'type', $Ns.dev)
    Write-Element $W 'maml' 'name' $Fact.Type
    Write-Element $W 'maml' 'uri' ''
    $W.WriteEndElement()
    Write-Element $W 'dev' 'defaultValue' $(if ($Doc.Default) { $Doc.Default } else { 'None' })
    $W.WriteEndElement()
}

function Write-TypeList($W, [string] $ListName, [string] $ItemName, $Entries) {
    # command:inputTypes / command:returnValues.
    $W.WriteStartElement('command', $ListName, $Ns.command)
    foreach ($entry in $Entries) {
        $W.WriteStartElement('command', $ItemName, $Ns.command)
        $W.WriteStartElement('dev', 'type', $Ns.dev)
        Write-Element $W 'maml' 'name' $entry.Type
        $W.WriteEndElement()
        Write-Description $W $entry.Description
        $W.WriteEndElement()
    }
    $W.WriteEndElement()
}

function Write-CommandHelp($W, [System.Management.Automation.CommandInfo] $Command, $Doc) {
    # One command:command: details, description, syntax, parameters, inputs, outputs, notes, examples, links.
    $W.WriteStartElement('command', 'command', $Ns.command)
    foreach ($prefix in 'maml', 'dev', 'MSHelp') { $W.WriteAttributeString('xmlns', $prefix, $null, $Ns[$prefix]) }

    $W.WriteStartElement('command', 'details', $Ns.command)
    Write-Element $W 'command' 'name' $Command.Name
    Write-Element $W 'command' 'verb' $Command.Verb
    Write-Element $W 'command' 'noun' $Command.Noun
    Write-Description $W $Doc.Synopsis
    $W.WriteEndElement()
    Write-Description $W $Doc.Description

    $W.WriteStartElement('command', 'syntax', $Ns.command)
    foreach ($set in $Command.ParameterSets) {
        $W.WriteStartElement('command', 'syntaxItem', $Ns.command)
        Write-Element $W 'maml' 'name' $Command.Name
        foreach ($name in Get-SyntaxParameterName $set) {
            Write-ParameterElement $W (Get-ParameterFact $Command $name $set.Name) $Doc.Parameters[$name]
        }
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'parameters', $Ns.command)
    foreach ($name in Get-DocumentedParameterName $Command) {
        Write-ParameterElement $W (Get-ParameterFact $Command $name) $Doc.Parameters[$name]
    }
    $W.WriteEndElement()

    Write-TypeList $W 'inputTypes' 'inputType' $Doc.Inputs
    Write-TypeList $W 'returnValues' 'returnValue' $Doc.Outputs

    $W.WriteStartElement('maml', 'alertSet', $Ns.maml)
    $W.WriteStartElement('maml', 'alert', $Ns.maml)
    Write-Paragraph $W $Doc.Notes
    $W.WriteEndElement()
    $W.WriteEndElement()

    $W.WriteStartElement('command', 'examples', $Ns.command)
    foreach ($example in $Doc.Examples) {
        $W.WriteStartElement('command', 'example', $Ns.command)
        Write-Element $W 'maml' 'title' "-------------------------- $($example.Title) --------------------------"
        Write-Element $W 'dev' 'code' $example.Code
        $W.WriteStartElement('dev', 'remarks', $Ns.dev)
        Write-Paragraph $W $example.Remarks
        $W.WriteEndElement()
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteStartElement('maml', 'relatedLinks', $Ns.maml)
    foreach ($link in $Doc.Links) {
        $W.WriteStartElement('maml', 'navigationLink', $Ns.maml)
        Write-Element $W 'maml' 'linkText' $link.Text
        Write-Element $W 'maml' 'uri' $link.Uri
        $W.WriteEndElement()
    }
    $W.WriteEndElement()

    $W.WriteEndElement()
}

function Write-HelpFile([string] $Path, $Entries) {
    # The whole file: <helpItems schema="maml"> with one command:command per cmdlet, UTF-8 without BOM.
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.NewLineChars = "`n"
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', $Ns.msh)
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($entry in $Entries) { Write-CommandHelp $writer $entry.Command $entry.Doc }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    } finally {
        $writer.Dispose()
    }
}

#endregion

# Main: check everything first, write only when every doc is in step with its cmdlet.
$module = Get-Module -Name $ModuleName
if (-not $module) { throw "Module '$ModuleName' is not imported. Import it first (Import-Module ./out/$ModuleName), then run this script." }
$cmdlets = @($module.ExportedCmdlets.Values | Sort-Object Name)
if (-not $cmdlets.Count) { throw "Module '$ModuleName' exports no cmdlets." }

$docsDir = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($DocsPath)
if (-not (Test-Path -LiteralPath $docsDir -PathType Container)) { throw "The docs folder '$docsDir' does not exist." }
$outPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutFile)

$problems = [Collections.Generic.List[string]]::new()
$entries = foreach ($command in $cmdlets) {
    $path = Join-Path $docsDir "$($command.Name).md"
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        $problems.Add("$($command.Name) is exported by $ModuleName but has no doc: $path is missing.")
        continue
    }
    [pscustomobject]@{ Command = $command; Doc = (Read-CommandDoc $path $command $problems) }
}
if ($problems.Count) {
    throw "Cannot build the help of ${ModuleName}: $($problems.Count) problem(s) in $docsDir`n  - " + ($problems -join "`n  - ")
}

$expected = @($cmdlets.HelpFile | Where-Object { $_ } | Select-Object -Unique)
if ($expected.Count -and (Split-Path -Leaf $outPath) -notin $expected) {
    Write-Warning "Get-Help looks for $($expected -join ', ') in a culture folder (en-US) of the module, not for $(Split-Path -Leaf $outPath)."
}
$null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $outPath)
Write-HelpFile $outPath $entries
Write-Verbose "Wrote help for $($cmdlets.Count) cmdlets to $outPath."
