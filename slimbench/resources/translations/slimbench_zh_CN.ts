<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ArchitectureDialog</name>
    <message>
        <location filename="../../app/architecture_dialog.py" line="46"/>
        <source>Choose the architecture</source>
        <translation>选择架构</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="50"/>
        <source>{file} holds only weights. Choose the architecture they belong to, and Slimbench loads them into it.</source>
        <translation>{file} 只包含权重。请选择这些权重所属的架构，Slimbench 会把它们加载进去。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="60"/>
        <source>Built-in: {model}</source>
        <translation>内置：{model}</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="63"/>
        <source>Python file…</source>
        <translation>Python 文件…</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="67"/>
        <source>path/to/model.py</source>
        <translation>路径/到/model.py</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="68"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="79"/>
        <source>Net</source>
        <translation>Net</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="85"/>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="86"/>
        <source>The model class the weights were saved from.</source>
        <translation>保存这些权重时所用的模型类。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="88"/>
        <source>Python file</source>
        <translation>Python 文件</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="89"/>
        <source>A .py file that defines the class. Loading runs the code in it.</source>
        <translation>定义该类的 .py 文件。加载时会运行其中的代码。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="91"/>
        <source>Class name</source>
        <translation>类名</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="92"/>
        <source>The nn.Module class in that file.</source>
        <translation>该文件中的 nn.Module 类。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="94"/>
        <source>Arguments (JSON)</source>
        <translation>参数（JSON）</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="95"/>
        <source>Optional arguments for the class, as a JSON object.</source>
        <translation>传给该类的可选参数，写成一个 JSON 对象。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="154"/>
        <source>Choose the Python file that defines the architecture.</source>
        <translation>请选择定义该架构的 Python 文件。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="156"/>
        <source>{file} is not a Python (.py) file.</source>
        <translation>{file} 不是 Python（.py）文件。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="158"/>
        <source>There is no file {file}.</source>
        <translation>文件 {file} 不存在。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="160"/>
        <source>Give the name of the class, such as Net.</source>
        <translation>请填写类名，例如 Net。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="167"/>
        <source>The arguments are not valid JSON ({problem} at character {position}).</source>
        <translation>参数不是有效的 JSON（第 {position} 个字符处：{problem}）。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="170"/>
        <source>The arguments must be a JSON object, such as {&quot;classes&quot;: 10}.</source>
        <translation>参数必须是一个 JSON 对象，例如 {&quot;classes&quot;: 10}。</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="187"/>
        <source>Python file with the architecture</source>
        <translation>包含该架构的 Python 文件</translation>
    </message>
    <message>
        <location filename="../../app/architecture_dialog.py" line="188"/>
        <source>Python files (*.py);;All files (*)</source>
        <translation>Python 文件 (*.py);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>BeforeAfterChart</name>
    <message>
        <location filename="../../widgets/charts.py" line="554"/>
        <source>n/a</source>
        <extracomment>Slots narrower than this, in pixels, are numbered instead of named. Value texts shrink to fit their bars down to this fraction of the normal font.</extracomment>
        <translation>无数据</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="559"/>
        <source>baseline</source>
        <translation>基准</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="701"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="702"/>
        <source>smaller is better</source>
        <translation>越小越好</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="703"/>
        <source>How much disk space and memory the model&apos;s weights take. Smaller is better.</source>
        <translation>模型权重占用的磁盘空间和内存。越小越好。</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="709"/>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="710"/>
        <source>lower is faster</source>
        <translation>越低越快</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="711"/>
        <source>How long one prediction takes. Lower is faster.</source>
        <translation>完成一次预测所需的时间。越低越快。</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="715"/>
        <source>higher is better</source>
        <translation>越高越好</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="719"/>
        <source>The small text under each value compares it with the first model: 0.25× means a quarter of its value; pt is the difference in percentage points.</source>
        <translation>每个数值下方的小字是与第一个模型的对比：0.25× 表示其数值的四分之一；pt 表示相差的百分点。</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="727"/>
        <source>Latency by runtime</source>
        <translation>各运行时的延迟</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="729"/>
        <source>Each runtime a model was timed on has a bar of its own, named under it (eager: PyTorch eager, compile: torch.compile, ORT: ONNX Runtime), in the model&apos;s colour; each is compared with the first bar.</source>
        <translation>模型在哪个运行时上计过时，就有一根对应的柱子，下方标出运行时名称（eager：PyTorch eager 模式，编译：torch.compile，ORT：ONNX Runtime），颜色与该模型相同；每根柱子都与第一根柱子比较。</translation>
    </message>
</context>
<context>
    <name>ChartWidget</name>
    <message>
        <location filename="../../widgets/charts.py" line="125"/>
        <source>ms</source>
        <comment>milliseconds</comment>
        <extracomment>Variant colours, in order: the Okabe–Ito set without its yellow, distinct for colour-blind readers and readable on light and dark backgrounds alike. :class:`LiveCurve` redraws at most this often, in milliseconds. Point diameters of :class:`TradeoffScatter`, in pixels. Latency on each runtime the variant was timed on, as (runtime&apos;s label, median ms), in the order to show them; empty when only ``latency_ms`` is known.</extracomment>
        <translation>ms</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="141"/>
        <source>pt</source>
        <comment>percentage points</comment>
        <translation>pt</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="147"/>
        <source>Accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="149"/>
        <source>Agreement</source>
        <translation>一致率</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="150"/>
        <source>Quality</source>
        <translation>质量</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="156"/>
        <source>Share of the test examples the model gets right. Higher is better.</source>
        <translation>模型答对的测试样本比例。越高越好。</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="160"/>
        <source>How often the model gives the same answer as the original one. Higher is better.</source>
        <translation>模型与原始模型给出相同答案的比例。越高越好。</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="164"/>
        <source>Accuracy on labelled test data where there is some, otherwise how often the model gives the same answer as the original one. Higher is better.</source>
        <translation>有带标签的测试数据时为准确率，否则为与原始模型给出相同答案的比例。越高越好。</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="237"/>
        <source>Export PNG…</source>
        <translation>导出 PNG…</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="243"/>
        <source>Export chart as PNG</source>
        <translation>将图表导出为 PNG</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="245"/>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
</context>
<context>
    <name>ComparisonPage</name>
    <message>
        <location filename="../../app/comparison_page.py" line="47"/>
        <source>Measure the variants you selected in the list on the left on every device ticked here, all the same way. ★ marks the best trade-offs: nothing else is both faster and at least as good.</source>
        <extracomment>Measure the selected variants on these device names. Write the current comparison&apos;s report (the window asks where). Diff two variant ids layer by layer.</extracomment>
        <translation>用相同的方式，在这里勾选的每台设备上测量你在左侧列表中选中的变体。★ 表示最佳权衡：没有其他变体比它更快且质量不低于它。</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="53"/>
        <source>Devices:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="55"/>
        <source>Compare selected variants</source>
        <translation>对比所选变体</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="58"/>
        <source>Time, size and quality of the selected variants (all of them when fewer than two are selected) on each ticked device.</source>
        <translation>在每台勾选的设备上测量所选变体（选中不足两个时为全部变体）的用时、大小和质量。</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="61"/>
        <source>Export report…</source>
        <translation>导出报告…</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="64"/>
        <source>Write results.json, the charts (PNG and SVG) and a report.html anyone can open in a browser, with the models and how to load them.</source>
        <translation>写出 results.json、图表（PNG 和 SVG）以及任何人都能用浏览器打开的 report.html，并附上模型及其加载方法。</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="67"/>
        <source>Open report</source>
        <translation>打开报告</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="80"/>
        <source>Show layer differences</source>
        <translation>显示逐层差异</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="83"/>
        <source>The two variants&apos; layer trees side by side: parameters, channels, number type and time per layer, with what changed in words.</source>
        <translation>并排显示两个变体的层树：每层的参数量、通道数、数值类型和用时，并用文字说明变化。</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="87"/>
        <source>Layers of</source>
        <translation>对比</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="89"/>
        <source>against</source>
        <translation>与</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="105"/>
        <source>On device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="116"/>
        <source>Speed against quality</source>
        <translation>速度与质量</translation>
    </message>
    <message>
        <location filename="../../app/comparison_page.py" line="117"/>
        <source>Layer by layer</source>
        <translation>逐层对比</translation>
    </message>
</context>
<context>
    <name>ComparisonTable</name>
    <message>
        <location filename="../../widgets/comparison_table.py" line="104"/>
        <location filename="../../widgets/comparison_table.py" line="112"/>
        <location filename="../../widgets/comparison_table.py" line="490"/>
        <source>/s</source>
        <comment>per second</comment>
        <extracomment>The raw value a column sorts by (None sorts last either way). The variant&apos;s name, on every cell of its row. The muted second line of a cell: the ratio to the reference row (&quot;0.25×&quot;). True where the cell stands for a measurement that failed (&quot;n/a&quot;). Columns before the device groups, and the columns of each device&apos;s group. Shown in a cell whose measurement failed on that device. The widest the steps column starts out, in pixels (the tooltip has the whole chain). The invisible root: the parent of every row.</extracomment>
        <translation>/s</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="117"/>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="118"/>
        <source>Steps</source>
        <translation>步骤</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="119"/>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="120"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="121"/>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="122"/>
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="123"/>
        <source>Roofline</source>
        <translation>屋顶线</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="124"/>
        <source>Accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="125"/>
        <source>Agreement</source>
        <translation>一致率</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="132"/>
        <source>The variant&apos;s name. ★: on the trade-off frontier of a device (no other variant is both faster and better there). The reference is in bold.</source>
        <translation>变体名称。★：在某台设备上处于最佳权衡（在该设备上没有其他变体既更快又更好）。参照模型以粗体显示。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="137"/>
        <source>The techniques that made the variant from the original, in order.</source>
        <translation>从原始模型生成该变体所用的技术，按顺序排列。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="141"/>
        <source>Parameters in the model; the second line is the share of the reference&apos;s.</source>
        <translation>模型的参数量；第二行是占参照模型参数量的比例。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="145"/>
        <source>The saved file&apos;s real size; the second line is the share of the reference&apos;s.</source>
        <translation>保存后文件的实际大小；第二行是占参照模型大小的比例。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="149"/>
        <source>Median time for one batch, after warm-up; the second line is the share of the reference&apos;s time (0.25× is four times faster). Lower is better.</source>
        <translation>预热后处理一批的用时中位数；第二行是与参照模型用时之比（0.25× 即快四倍）。越低越好。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="154"/>
        <source>Inputs handled per second; the second line compares with the reference. Higher is better.</source>
        <translation>每秒处理的输入数；第二行是与参照模型的比较。越高越好。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="159"/>
        <source>How close the model comes to what this device could do for it: the share of the attainable speed, limited either by the device&apos;s arithmetic peak (compute bound) or by how fast it moves the model&apos;s bytes (memory bound).</source>
        <translation>模型离此设备能为它达到的速度有多近：占可达速度的比例，可达速度受限于设备的算术峰值（计算受限）或它搬运模型字节的速度（内存受限）。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="165"/>
        <source>Share of the labelled test examples the variant gets right; the second line is the difference to the reference in percentage points.</source>
        <translation>变体答对的带标签测试样本比例；第二行是与参照模型相差的百分点。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="170"/>
        <source>How often the variant gives the reference&apos;s top answer (needs no labels).</source>
        <translation>变体给出与参照模型相同首选答案的比例（无需标签）。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="180"/>
        <source>compute bound</source>
        <translation>计算受限</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="181"/>
        <source>memory bound</source>
        <translation>内存受限</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="192"/>
        <source>keep at least {share} of the reference&apos;s accuracy</source>
        <translation>至少保留参照模型准确率的 {share}</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="196"/>
        <source>agree with it on at least {share} of predictions</source>
        <translation>至少在 {share} 的预测上与其一致</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="199"/>
        <source> and </source>
        <translation>，且</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="218"/>
        <source>{variant}: no device could run it.</source>
        <translation>{variant}：没有设备能运行它。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="221"/>
        <source>{variant}: runs only on {device}.</source>
        <translation>{variant}：只能在 {device} 上运行。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="227"/>
        <source>{variant}: about as fast on {device} as on {other}.</source>
        <translation>{variant}：在 {device} 和 {other} 上速度相当。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="231"/>
        <source>{variant}: fastest on {device}, {ratio} faster than on {other}.</source>
        <translation>{variant}：在 {device} 上最快，比在 {other} 上快 {ratio}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="376"/>
        <source>The reference: every ratio and the agreement are measured against it.</source>
        <extracomment>The device&apos;s place among the devices (shades alternate groups).</extracomment>
        <translation>参照模型：所有比例和一致率都以它为基准。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="381"/>
        <source>On the trade-off frontier on {devices}: no other variant is both faster and better there.</source>
        <translation>在 {devices} 上处于最佳权衡：在那里没有其他变体既更快又更好。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="385"/>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="387"/>
        <source>Made from {parent}.</source>
        <translation>由 {parent} 生成。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="390"/>
        <source>File: {file}</source>
        <translation>文件：{file}</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="393"/>
        <source>reference</source>
        <translation>参照模型</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="401"/>
        <source>{count} parameters</source>
        <translation>参数量 {count}</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="404"/>
        <source>{nonzero} of them nonzero ({zero} zero: the dense size and speed do not change).</source>
        <translation>其中 {nonzero} 个非零（{zero} 为零：稠密存储的大小和速度不变）。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="411"/>
        <source>{ratio} the reference&apos;s parameters.</source>
        <translation>参数量是参照模型的 {ratio}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="418"/>
        <source>{size} saved ({bytes} bytes).</source>
        <translation>保存后为 {size}（{bytes} 字节）。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="421"/>
        <source>{ratio} the reference&apos;s size.</source>
        <translation>大小是参照模型的 {ratio}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="430"/>
        <source>Not measured on {device}.</source>
        <translation>未在 {device} 上测量。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="434"/>
        <source>Could not run on {device}: {error}</source>
        <translation>无法在 {device} 上运行：{error}</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="446"/>
        <source>{rate} inputs per second at a batch of {batch}.</source>
        <translation>批大小为 {batch} 时，吞吐量为 {rate}（每秒输入数）。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="451"/>
        <source>{rate} at a batch of {batch}.</source>
        <translation>批大小为 {batch} 时为 {rate}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="454"/>
        <source>{ratio} the reference&apos;s throughput.</source>
        <translation>吞吐量是参照模型的 {ratio}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="461"/>
        <source>No roofline here: the device&apos;s peak or the model&apos;s FLOPs are unknown.</source>
        <translation>此处没有屋顶线：设备的峰值或模型的 FLOPs 未知。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="466"/>
        <source>Memory bound: the model does little arithmetic per byte it reads, so the memory bandwidth ({bandwidth}) sets the limit, not the arithmetic peak ({peak}).</source>
        <translation>内存受限：模型每读取一个字节只做很少的运算，因此上限由内存带宽（{bandwidth}）决定，而不是算术峰值（{peak}）。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="473"/>
        <source>Compute bound: the model does enough arithmetic per byte that the device&apos;s arithmetic peak ({peak}) sets the limit; memory bandwidth is {bandwidth}.</source>
        <translation>计算受限：模型每个字节的运算足够多，因此上限由设备的算术峰值（{peak}）决定；内存带宽为 {bandwidth}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="480"/>
        <source>Reaches {share} of what {device} could attain for this model: {achieved} of {attainable}.</source>
        <translation>达到 {device} 对此模型可达速度的 {share}：{achieved} / {attainable}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="497"/>
        <source>No labelled test data for this model.</source>
        <translation>此模型没有带标签的测试数据。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="503"/>
        <source>Gets {share} of the labelled test examples right on {device}.</source>
        <translation>在 {device} 上答对 {share} 的带标签测试样本。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="508"/>
        <source>{points} compared with the reference.</source>
        <translation>与参照模型相比 {points}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="515"/>
        <source>Agreement was not measured (a model with one output has no top answer).</source>
        <translation>未测量一致率（只有一个输出的模型没有首选答案）。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="519"/>
        <source>Gives the reference&apos;s top answer for {share} of the inputs.</source>
        <translation>对 {share} 的输入给出与参照模型相同的首选答案。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="524"/>
        <source>Cosine similarity of the outputs: {cosine}.</source>
        <translation>输出的余弦相似度：{cosine}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="529"/>
        <source>Largest difference in an output: {error}.</source>
        <translation>输出的最大差值：{error}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="538"/>
        <source>Latency was not measured.</source>
        <translation>未测量延迟。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="540"/>
        <source>Median {median} for a batch of {batch}</source>
        <translation>批大小为 {batch} 时中位数 {median}</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="543"/>
        <location filename="../../widgets/comparison_table.py" line="551"/>
        <source>; p90 {p90}</source>
        <translation>；p90 {p90}</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="548"/>
        <source>Batch of 1: median {median}</source>
        <translation>批大小为 1：中位数 {median}</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="558"/>
        <source>{ratio} the reference&apos;s time: {speedup} faster.</source>
        <translation>用时是参照模型的 {ratio}：快 {speedup}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="562"/>
        <source>{ratio} the reference&apos;s time: {slowdown} slower.</source>
        <translation>用时是参照模型的 {ratio}：慢 {slowdown}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="565"/>
        <source>compiled</source>
        <translation>已编译</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="566"/>
        <source>eager</source>
        <translation>eager 模式</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="567"/>
        <source>Ran in {dtype}, {compiled}.</source>
        <translation>以 {dtype} 运行，{compiled}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="625"/>
        <source>Below the quality floor ({floor}).</source>
        <translation>低于质量下限（{floor}）。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="627"/>
        <source>Below the quality floor.</source>
        <translation>低于质量下限。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="647"/>
        <source>Measured on {device}: {description}.</source>
        <translation>在 {device} 上测量：{description}。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="892"/>
        <source>Run a recipe or compare variants to fill this table.</source>
        <extracomment>A thin line along the frozen column&apos;s right edge. The selected rows changed: (list of variant names, in row order).</extracomment>
        <translation>运行配方或对比变体后，结果会显示在此表格中。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="920"/>
        <source>Fastest device per variant</source>
        <translation>各变体最快的设备</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="931"/>
        <source>Which device runs each variant fastest, at the same batch, compared with the next fastest one.</source>
        <translation>在相同批大小下，哪台设备运行各个变体最快，并与次快的设备比较。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="1056"/>
        <source>The fastest device differs between variants.</source>
        <translation>不同变体的最快设备不一样。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="1060"/>
        <source>Bold: the reference ({name}); second lines compare with it.</source>
        <translation>粗体：参照模型（{name}）；第二行是与它的比较。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="1063"/>
        <source>★ on the trade-off frontier.</source>
        <translation>★ 表示最佳权衡。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="1065"/>
        <source>Tinted rows fall below the quality floor.</source>
        <translation>带底色的行低于质量下限。</translation>
    </message>
    <message>
        <location filename="../../widgets/comparison_table.py" line="1066"/>
        <source>Latency at a batch of {batch}.</source>
        <translation>延迟按批大小 {batch} 测量。</translation>
    </message>
</context>
<context>
    <name>CompressionPanel</name>
    <message>
        <location filename="../../widgets/compression_panel.py" line="151"/>
        <source>&amp;Quantize</source>
        <extracomment>The techniques, in the order of the selector. PyTorch&apos;s quantization schemes (torchao), as ``slimbench quantize --scheme`` takes them. ONNX Runtime&apos;s quantization schemes: the model is exported to ONNX and runs on ONNX Runtime. Every scheme the scheme combo offers, in menu order. The scheme that calibrates on batches of data (kept for callers that knew only one). The schemes that calibrate on batches of data. Pruning methods, as ``slimbench prune --method`` takes them. Importance criteria, in menu order. The criteria each method understands (the engine&apos;s ``IMPORTANCES``). Prune modes: a fixed amount everywhere, or per-layer amounts chosen to reach a target. What an automatic target is a share of (``slimbench prune --auto-target-size|latency``). The methods automatic mode can use, per target. Pruning amount limits, in percent. 2:4 sparsity always removes two weights of every four. Width of the form labels in pixels (the panel sits in a tab about 420 px wide). Patterns are separated by commas, semicolons or white space (module paths have none).</extracomment>
        <translation>量化(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="152"/>
        <source>&amp;Prune</source>
        <translation>剪枝(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="153"/>
        <source>&amp;Distil</source>
        <translation>蒸馏(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="162"/>
        <source>Stores the model&apos;s numbers with fewer bits: smaller and often faster, usually with a very small loss of quality. Takes seconds.</source>
        <translation>用更少的位数存储模型的数值：模型更小，通常也更快，质量损失一般很小。只需几秒。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="167"/>
        <source>Removes the weights or channels that matter least. The more you remove, the more quality drops; a short retraining afterwards wins most of it back.</source>
        <translation>移除最不重要的权重或通道。移除得越多，质量下降越多；之后做一次简短的再训练可挽回大部分损失。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="172"/>
        <source>Trains a smaller model (the student) to give the same answers as yours (the teacher). Needs training data and takes minutes to hours, but a student half the size often keeps nearly all of the quality.</source>
        <translation>训练一个较小的模型（学生）给出与你的模型（教师）相同的答案。需要训练数据，耗时几分钟到几小时，但只有一半大小的学生模型往往能保留几乎全部质量。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="185"/>
        <source>int8, dynamic</source>
        <translation>int8，动态</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="186"/>
        <source>int8, static (calibrated)</source>
        <translation>int8，静态（需校准）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="187"/>
        <source>int8, weights only</source>
        <translation>int8，仅权重</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="188"/>
        <source>int4, weights only</source>
        <translation>int4，仅权重</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="189"/>
        <source>float8, dynamic (recent NVIDIA GPUs)</source>
        <translation>float8，动态（较新的 NVIDIA GPU）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="190"/>
        <source>float16 (half precision)</source>
        <translation>float16（半精度）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="191"/>
        <source>bfloat16 (half precision)</source>
        <translation>bfloat16（半精度）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="192"/>
        <source>int8, dynamic (ONNX Runtime)</source>
        <translation>int8，动态（ONNX Runtime）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="193"/>
        <source>int8, static, calibrated (ONNX Runtime)</source>
        <translation>int8，静态，需校准（ONNX Runtime）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="204"/>
        <source>Stores weights as 8-bit integers and converts activations on the fly: about 4× smaller Linear layers, often 2–4× faster on CPUs.</source>
        <translation>将权重存为 8 位整数，激活值在运行时即时转换：Linear 层约缩小 4 倍，在 CPU 上通常快 2–4 倍。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="209"/>
        <source>Also converts activations, using a few batches of your data to calibrate: fastest on CPUs for convolution networks.</source>
        <translation>同时转换激活值，并用几批你的数据进行校准：在 CPU 上运行卷积网络时最快。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="214"/>
        <source>Only weights are compressed: pays off on GPUs where memory is the bottleneck. About 4× smaller Linear layers; rarely faster on CPUs.</source>
        <translation>只压缩权重：适合显存是瓶颈的 GPU。Linear 层约缩小 4 倍；在 CPU 上很少变快。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="219"/>
        <source>Only weights are compressed: pays off on GPUs where memory is the bottleneck. About 8× smaller Linear layers; needs an NVIDIA GPU.</source>
        <translation>只压缩权重：适合显存是瓶颈的 GPU。Linear 层约缩小 8 倍；需要 NVIDIA GPU。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="224"/>
        <source>8-bit floating-point weights and activations on the tensor cores of Hopper or Ada GPUs: about 4× smaller Linear layers, faster than bfloat16 only for large layers and batches.</source>
        <translation>在 Hopper 或 Ada GPU 的张量核心上使用 8 位浮点权重和激活：Linear 层约缩小 4 倍，只有在层和批量都很大时才比 bfloat16 快。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="230"/>
        <source>Half-precision numbers: 2× smaller; float16 is fast on GPUs but slow on most CPUs.</source>
        <translation>半精度数值：大小减半；float16 在 GPU 上很快，但在大多数 CPU 上较慢。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="234"/>
        <source>Half-precision numbers: 2× smaller; bfloat16 is very fast on recent CPUs and GPUs.</source>
        <translation>半精度数值：大小减半；bfloat16 在较新的 CPU 和 GPU 上非常快。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="238"/>
        <source>Exports the model to ONNX and lets ONNX Runtime store Linear weights as 8-bit integers: about 4× smaller, often the fastest on CPUs. The result is an ONNX model that runs on ONNX Runtime only.</source>
        <translation>将模型导出为 ONNX，由 ONNX Runtime 把 Linear 层的权重存为 8 位整数：约小 4 倍，在 CPU 上往往最快。结果是只能在 ONNX Runtime 上运行的 ONNX 模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="244"/>
        <source>Exports the model to ONNX and lets ONNX Runtime convert weights and activations to 8 bits, calibrated on a few batches of your data: for CNNs and MLPs on CPUs. The result runs on ONNX Runtime only.</source>
        <translation>将模型导出为 ONNX，由 ONNX Runtime 把权重和激活值转为 8 位，并用几批你的数据进行校准：适合在 CPU 上运行的卷积网络和 MLP。结果只能在 ONNX Runtime 上运行。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="257"/>
        <source>Structured (channels)</source>
        <translation>结构化（通道）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="258"/>
        <source>Unstructured (single weights)</source>
        <translation>非结构化（单个权重）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="259"/>
        <source>2:4 semi-structured</source>
        <translation>2:4 半结构化</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="268"/>
        <source>Removes whole channels and neurons: the model really gets smaller and faster.</source>
        <translation>移除整个通道和神经元：模型真正变小、变快。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="272"/>
        <source>Sets the smallest weights to zero: the file can be compressed, but dense speed does not change.</source>
        <translation>将最小的权重置零：文件可以压缩，但稠密计算的速度不变。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="277"/>
        <source>Keeps 2 of every 4 weights in a pattern NVIDIA GPUs accelerate; needs a GPU.</source>
        <translation>每 4 个权重保留 2 个，NVIDIA GPU 可加速这种模式；需要 GPU。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="288"/>
        <source>Fixed amount</source>
        <translation>固定比例</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="289"/>
        <source>Automatic (reach a target)</source>
        <translation>自动（达到目标）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="297"/>
        <source>Every layer loses the same share, the amount you set.</source>
        <translation>每一层去掉相同的比例，即你设定的数量。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="300"/>
        <source>Scans how much each layer suffers, then removes more from the layers that matter least until the target is reached.</source>
        <translation>先扫描每一层受影响的程度，再从最不重要的层多去掉一些，直到达到目标。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="312"/>
        <source>Size (the file)</source>
        <translation>大小（文件）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="313"/>
        <source>Latency (time per prediction)</source>
        <translation>延迟（每次预测的时间）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="321"/>
        <source>The pruned file is at most this share of the original&apos;s size.</source>
        <translation>剪枝后的文件最多为原始大小的这个比例。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="325"/>
        <source>One batch of 32 takes at most this share of the original&apos;s time on the chosen device; measured for real while choosing. Structured pruning only.</source>
        <translation>在所选设备上，一批 32 个样本的用时最多为原始模型的这个比例；选择时实际测量。仅限结构化剪枝。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="337"/>
        <source>Magnitude (L1)</source>
        <translation>幅值 (L1)</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="338"/>
        <source>Magnitude (L2)</source>
        <translation>幅值 (L2)</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="339"/>
        <source>Taylor (uses gradients)</source>
        <translation>Taylor（使用梯度）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="340"/>
        <source>LAMP (layer-adaptive)</source>
        <translation>LAMP（层自适应）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="341"/>
        <source>Random (a baseline)</source>
        <translation>随机（作对照）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="349"/>
        <source>Removes what has the smallest weights (sum of absolute values). Fast and a good default.</source>
        <translation>移除权重最小的部分（按绝对值之和）。速度快，是不错的默认选择。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="354"/>
        <source>Like L1, but large single weights count more (sum of squares).</source>
        <translation>与 L1 类似，但单个较大的权重影响更大（按平方和）。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="358"/>
        <source>Estimates how much the output changes without each part, from a few batches of your data. Often keeps more quality; slower.</source>
        <translation>用几批你的数据估计去掉每个部分后输出会变化多少。通常能保留更多质量，但较慢。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="363"/>
        <source>Compares weights across layers fairly, so no layer is emptied by accident. Useful with global ranking.</source>
        <translation>在各层之间公平地比较权重，避免某一层被意外剪空。适合与全局排序一起使用。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="368"/>
        <source>Removes parts at random: only useful to see how much better the other criteria do.</source>
        <translation>随机移除：仅用于对照，看其他标准能好多少。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="479"/>
        <source>&amp;Sensitivity scan</source>
        <extracomment>The user pressed Run: (technique, options). The user asked for a sensitivity scan (quantize and prune): (technique, options). Another technique was chosen. Any field of a form changed: (technique, options of that technique).</extracomment>
        <translation>敏感度扫描(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="484"/>
        <source>Compresses one layer at a time and measures how much each one hurts the answers, so you can see which layers to leave alone. Changes nothing.</source>
        <translation>每次只压缩一层，测量每层对答案的影响有多大，以便看出哪些层不宜改动。不会修改任何内容。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="491"/>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="619"/>
        <location filename="../../widgets/compression_panel.py" line="1205"/>
        <source>Command line: --scheme {name}</source>
        <translation>命令行：--scheme {name}</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="620"/>
        <source>Scheme</source>
        <translation>方案</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="621"/>
        <source>How the model&apos;s numbers are stored after quantization. Hover over an entry to read what it is good for.</source>
        <translation>量化后模型数值的存储方式。将鼠标悬停在选项上可查看其适用场景。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="631"/>
        <source>Compile (torch.compile)</source>
        <translation>编译 (torch.compile)</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="636"/>
        <source>Turns the quantized model into optimised code the first time it runs. Most of the speed-up of int8 comes from this; the first run takes longer.</source>
        <translation>首次运行时把量化后的模型转换为优化过的代码。int8 的大部分加速来自于此；首次运行耗时较长。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="648"/>
        <source>Calibration batches</source>
        <translation>校准批次数</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="650"/>
        <source>How many batches of your data to run through the model to learn the range of its activations. More is steadier and slower; 8 is usually enough.</source>
        <translation>用多少批你的数据运行模型，以获知其激活值的范围。越多越稳定，但也越慢；通常 8 批就够了。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="663"/>
        <location filename="../../widgets/compression_panel.py" line="845"/>
        <source>e.g. fc, stages.0.*</source>
        <translation>例如 fc, stages.0.*</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="668"/>
        <location filename="../../widgets/compression_panel.py" line="850"/>
        <source>Skip layers</source>
        <translation>跳过的层</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="676"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="679"/>
        <source>Auto-skip the most sensitive layers</source>
        <translation>自动跳过最敏感的层</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="681"/>
        <source>Measures first which layers lose the most quality when quantized, and leaves that many of them as they are. 0 turns it off.</source>
        <translation>先测量哪些层量化后质量损失最大，并将其中这么多个层保持原样。设为 0 即关闭。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="704"/>
        <source>Command line: --amount, or --auto-target-size / --auto-target-latency</source>
        <translation>命令行：--amount，或 --auto-target-size / --auto-target-latency</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="706"/>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="707"/>
        <source>Remove the same share from every layer, or let a sensitivity scan choose how much each layer loses to reach a size or speed target.</source>
        <translation>从每一层去掉相同的比例，或让敏感度扫描决定每一层去掉多少，以达到大小或速度目标。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="717"/>
        <source>Command line: --method {name}</source>
        <translation>命令行：--method {name}</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="718"/>
        <source>Method</source>
        <translation>方式</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="719"/>
        <source>What is removed: whole channels or single weights.</source>
        <translation>移除的对象：整个通道或单个权重。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="738"/>
        <source>How much to remove: 50 % removes half of the channels (structured) or of the weights (unstructured).</source>
        <translation>移除多少：50 % 即移除一半的通道（结构化）或权重（非结构化）。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="745"/>
        <source>Amount</source>
        <translation>比例</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="756"/>
        <source>Command line: --auto-target-{name} 0.5</source>
        <translation>命令行：--auto-target-{name} 0.5</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="757"/>
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="758"/>
        <source>What automatic mode makes smaller: the model&apos;s file, or the time one prediction takes.</source>
        <translation>自动模式要减小的是什么：模型文件，或一次预测所需的时间。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="768"/>
        <source> % of the original</source>
        <translation> % 的原始值</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="771"/>
        <source>Keep at most</source>
        <translation>最多保留</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="773"/>
        <source>The share of the original&apos;s size or latency to reach: 50 % makes it half as big or twice as fast. Layers that suffer least lose the most.</source>
        <translation>要达到的原始大小或延迟的比例：50 % 表示大小减半或速度翻倍。受影响最小的层去掉得最多。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="792"/>
        <source>Importance</source>
        <translation>重要性</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="794"/>
        <source>How to decide what matters least, and so what is removed first.</source>
        <translation>如何判断哪些部分最不重要，从而决定先移除什么。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="801"/>
        <source>Global ranking</source>
        <translation>全局排序</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="803"/>
        <source>Ranks all layers together, so layers with many unimportant parts lose more and sensitive layers lose less. Off: every layer loses the same share.</source>
        <translation>将所有层放在一起排序：不重要部分多的层移除得更多，敏感的层移除得更少。关闭时每层移除相同的比例。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="813"/>
        <source> channels</source>
        <translation> 个通道</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="814"/>
        <source>Keeps channel counts a multiple of this number, which processors and GPUs handle fastest. 1 keeps the exact amount.</source>
        <translation>使通道数保持为此数的倍数，处理器和 GPU 处理这样的通道数最快。设为 1 则严格按比例移除。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="821"/>
        <source>Round channels to</source>
        <translation>通道数对齐到</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="829"/>
        <source>Removes the amount in this many smaller steps, ranking again after each one. More steps often keep more quality.</source>
        <translation>分这么多步逐步移除，每步之后重新排序。步数越多，通常保留的质量越多。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="836"/>
        <source>Iterative steps</source>
        <translation>迭代步数</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="857"/>
        <source>Recover accuracy afterwards</source>
        <translation>剪枝后恢复准确率</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="861"/>
        <source>Trains the pruned model briefly on your data so it wins back most of the quality it lost.</source>
        <translation>用你的数据对剪枝后的模型做简短训练，挽回大部分损失的质量。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="871"/>
        <source>No recovery</source>
        <translation>不恢复</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="874"/>
        <location filename="../../widgets/compression_panel.py" line="939"/>
        <source>Epochs</source>
        <translation>训练轮数</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="876"/>
        <source>How many times to go over the training data. 0 skips recovery.</source>
        <translation>遍历训练数据的次数。设为 0 则跳过恢复。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="883"/>
        <source>Learn from the original (distillation)</source>
        <translation>向原始模型学习（蒸馏）</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="889"/>
        <source>The pruned model learns to give the same answers as the original, not only the labels. Usually recovers more quality.</source>
        <translation>剪枝后的模型学习给出与原始模型相同的答案，而不只是拟合标签。通常能恢复更多质量。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="921"/>
        <source>No student offered for this model</source>
        <translation>此模型没有可用的学生模型</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="925"/>
        <source>Student</source>
        <translation>学生模型</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="927"/>
        <source>The smaller model that learns from yours: a narrower copy, your model pruned first, or a built-in one.</source>
        <translation>向你的模型学习的较小模型：可以是更窄的副本、先经过剪枝的你的模型，或内置模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="941"/>
        <source>How many times the student goes over the training data. More takes longer and usually gets closer to the teacher.</source>
        <translation>学生模型遍历训练数据的次数。越多耗时越长，通常也越接近教师模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="957"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="959"/>
        <source>Softens the teacher&apos;s answers so the student also learns which wrong answers were nearly right. 2 to 5 works for most models.</source>
        <translation>软化教师模型的答案，让学生模型也能学到哪些错误答案其实接近正确。大多数模型取 2 到 5 即可。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="975"/>
        <source>Teacher weight (alpha)</source>
        <translation>教师权重 (alpha)</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="977"/>
        <source>How much the student follows the teacher rather than the labels: 1 only the teacher, 0 only the labels.</source>
        <translation>学生模型偏向教师模型而非标签的程度：1 表示只学教师模型，0 表示只学标签。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="989"/>
        <source>Processes</source>
        <translation>进程数</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="991"/>
        <source>How many processes train together, each on part of the data. Never more than the processor has cores.</source>
        <translation>同时参与训练的进程数，每个进程处理一部分数据。不能超过处理器的核心数。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1002"/>
        <source>Machines</source>
        <translation>机器数</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1004"/>
        <source>How many computers train together. This one is the first; each other one runs the command shown below.</source>
        <translation>一起训练的计算机数量。本机是第一台；其他每台机器运行下方显示的命令。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1016"/>
        <source>Meeting point</source>
        <translation>汇合地址</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1018"/>
        <source>This computer&apos;s address and a free port, as the other machines reach it (HOST:PORT).</source>
        <translation>本机的地址和一个空闲端口，需能被其他机器访问（HOST:PORT）。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1035"/>
        <source>On each other machine</source>
        <translation>在其他每台机器上</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1037"/>
        <source>Run this in a terminal on each other machine (with Slimbench installed and the teacher at the same path) before pressing Run here.</source>
        <translation>在这里点击“运行”之前，先在其他每台机器的终端中运行此命令（需已安装 Slimbench，且教师模型位于相同路径）。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1062"/>
        <source>Layers to leave exactly as they are, separated by commas: a layer&apos;s path as in the layer tree (fc, net.1), or a pattern with * for any part (stages.0.* is everything inside stages.0). The first and last layers are often worth skipping. Ticking layers in the layer tree fills this in.</source>
        <translation>要保持原样的层，用逗号分隔：可以是层树中的层路径（fc, net.1），也可以是用 * 匹配任意部分的模式（stages.0.* 表示 stages.0 内的所有层）。第一层和最后一层通常值得跳过。在层树中勾选层会自动填入此处。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1174"/>
        <location filename="../../widgets/compression_panel.py" line="1582"/>
        <source>Not available for this model.</source>
        <translation>不适用于此模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1178"/>
        <location filename="../../widgets/compression_panel.py" line="1213"/>
        <source>Not available: {reason}</source>
        <translation>不可用：{reason}</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1404"/>
        <source>Only the static int8 schemes (PyTorch&apos;s and ONNX Runtime&apos;s) need calibration data.</source>
        <translation>只有静态 int8 方案（PyTorch 的和 ONNX Runtime 的）需要校准数据。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1416"/>
        <source>ONNX Runtime schemes run on ONNX Runtime, which optimises the model itself; torch.compile does not apply.</source>
        <translation>ONNX Runtime 方案在 ONNX Runtime 上运行，由它自行优化模型；torch.compile 不适用。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1424"/>
        <source>Not for ONNX Runtime schemes: the sensitivity scan measures PyTorch&apos;s int8 kernels. Name the layers to keep in Skip layers instead.</source>
        <translation>不适用于 ONNX Runtime 方案：敏感度扫描测量的是 PyTorch 的 int8 内核。请改在“跳过的层”中写明要保留的层。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1476"/>
        <source>2:4 always removes half of the weights.</source>
        <translation>2:4 总是移除一半的权重。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1490"/>
        <source>Not available for this pruning method.</source>
        <translation>不适用于此剪枝方式。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1496"/>
        <source>Only for structured pruning.</source>
        <translation>仅适用于结构化剪枝。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1504"/>
        <source>2:4 works inside each layer.</source>
        <translation>2:4 在每层内部进行。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1533"/>
        <source>Not available for this automatic target.</source>
        <translation>不适用于此自动目标。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1584"/>
        <source>Open a model first.</source>
        <translation>请先打开模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1586"/>
        <source>A job from this panel is running; wait for it or cancel it.</source>
        <translation>此面板的任务正在运行；请等待其完成或将其取消。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1590"/>
        <source>Choose a student model first.</source>
        <translation>请先选择学生模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1606"/>
        <source>The sensitivity scan measures PyTorch&apos;s int8 kernels, so it says nothing about ONNX Runtime schemes.</source>
        <translation>敏感度扫描测量的是 PyTorch 的 int8 内核，因此无法说明 ONNX Runtime 方案的情况。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1619"/>
        <source>Quantizes a copy of the model with these settings and measures it before and after. Your model is not changed.</source>
        <translation>按这些设置量化模型的副本，并测量量化前后的表现。你的模型不会被修改。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1624"/>
        <source>Prunes a copy of the model with these settings and measures it before and after. Your model is not changed.</source>
        <translation>按这些设置剪枝模型的副本，并测量剪枝前后的表现。你的模型不会被修改。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1628"/>
        <source>Scans how much each layer suffers, chooses per-layer amounts that reach the target, prunes a copy and measures it before and after. Your model is not changed.</source>
        <translation>扫描每一层受影响的程度，选出能达到目标的逐层比例，剪枝模型的副本并测量剪枝前后的表现。你的模型不会被修改。</translation>
    </message>
    <message>
        <location filename="../../widgets/compression_panel.py" line="1634"/>
        <source>Trains the student on your data and measures it beside the original.</source>
        <translation>用你的数据训练学生模型，并与原始模型对比测量。</translation>
    </message>
</context>
<context>
    <name>DevicePicker</name>
    <message>
        <location filename="../../widgets/device_picker.py" line="92"/>
        <source>{count} GB</source>
        <extracomment>The number formats offered, in menu order. CUDA compute capability from which a GPU has fast bfloat16 (Ampere). The :class:`DeviceInfo` behind a device entry (None for an unavailable one). The dtype name behind a dtype entry. The runtime name behind a runtime entry. The runtimes offered, in menu order; names as ``slimbench bench --runtime`` takes them (the engine&apos;s ``runtimes.RUNTIMES``). The only number format ONNX Runtime runs: it times the float32 export. A memory size already in a GPU&apos;s name, which then needs no second one in brackets.</extracomment>
        <translation>{count} GB</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="101"/>
        <source>CPU — {name} ({count} threads)</source>
        <translation>CPU — {name}（{count} 线程）</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="104"/>
        <source>CPU — {name}</source>
        <translation>CPU — {name}</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="111"/>
        <source>GPU {index} — {name} ({memory})</source>
        <translation>GPU {index} — {name}（{memory}）</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="114"/>
        <source>GPU {index} — {name}</source>
        <translation>GPU {index} — {name}</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="118"/>
        <source>GPU — {name}</source>
        <translation>GPU — {name}</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="128"/>
        <source>The computer&apos;s main processor.</source>
        <translation>计算机的主处理器。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="131"/>
        <source>It can run {count} threads at once.</source>
        <translation>可同时运行 {count} 个线程。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="137"/>
        <source>System memory: {memory}.</source>
        <translation>系统内存：{memory}。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="144"/>
        <source>Special instructions that speed up models: {names}.</source>
        <translation>可加速模型的特殊指令：{names}。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="150"/>
        <source>A graphics card (NVIDIA GPU); usually much faster than the processor.</source>
        <translation>显卡（NVIDIA GPU），通常比处理器快得多。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="157"/>
        <source>Its own memory: {memory}.</source>
        <translation>显存：{memory}。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="163"/>
        <source>Compute capability {version} (its hardware generation).</source>
        <translation>计算能力 {version}（代表其硬件代际）。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="169"/>
        <source>The Apple graphics processor, used through Metal.</source>
        <translation>Apple 图形处理器，通过 Metal 使用。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="174"/>
        <source>Device name for the command line: {name}</source>
        <translation>命令行中的设备名：{name}</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="184"/>
        <source>Full precision: 4 bytes per number. The safe default that every device supports.</source>
        <translation>全精度：每个数占 4 字节。所有设备都支持的稳妥默认值。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="188"/>
        <source>Half the memory of float32 with the same range of values, slightly less precise. Much faster on recent processors and GPUs.</source>
        <translation>内存只需 float32 的一半，数值范围相同，精度略低。在较新的处理器和 GPU 上快得多。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="193"/>
        <source>Half the memory of float32 and more precise than bfloat16, but very large or very small values can overflow. Fast on most GPUs.</source>
        <translation>内存只需 float32 的一半，精度高于 bfloat16，但极大或极小的数值可能溢出。在大多数 GPU 上很快。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="205"/>
        <source>PyTorch eager</source>
        <translation>PyTorch eager 模式</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="206"/>
        <source>torch.compile</source>
        <translation>torch.compile</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="207"/>
        <source>ONNX Runtime</source>
        <translation>ONNX Runtime</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="215"/>
        <source>eager</source>
        <comment>short for PyTorch eager</comment>
        <translation>eager</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="216"/>
        <source>compile</source>
        <comment>short for torch.compile</comment>
        <translation>编译</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="217"/>
        <source>ORT</source>
        <comment>short for ONNX Runtime</comment>
        <translation>ORT</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="225"/>
        <source>Runs the model&apos;s own PyTorch code step by step: no waiting before the first run, and the reference the other runtimes are compared with.</source>
        <translation>逐步运行模型自身的 PyTorch 代码：首次运行无需等待，也是其他运行时的比较基准。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="230"/>
        <source>Turns the model into optimised code the first time it runs (torch.compile): slower first run, often faster afterwards.</source>
        <translation>首次运行时把模型转换为优化过的代码（torch.compile）：第一次较慢，之后通常更快。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="235"/>
        <source>Exports the model to ONNX and runs it with ONNX Runtime, the engine many apps ship with; often the fastest on processors. It runs float32 only.</source>
        <translation>将模型导出为 ONNX，并用 ONNX Runtime（许多应用自带的推理引擎）运行；在处理器上往往最快。仅支持 float32。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="260"/>
        <source>This GPU has no fast bfloat16 (needs compute capability {needed}; this one has {actual}).</source>
        <translation>此 GPU 没有快速的 bfloat16（需要计算能力 {needed}，此 GPU 为 {actual}）。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="265"/>
        <source>This GPU has no fast bfloat16 (needs compute capability {needed}).</source>
        <translation>此 GPU 没有快速的 bfloat16（需要计算能力 {needed}）。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="269"/>
        <source>This processor does not support {dtype}.</source>
        <translation>此处理器不支持 {dtype}。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="272"/>
        <source>This device does not support {dtype}.</source>
        <translation>此设备不支持 {dtype}。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="325"/>
        <source>Device:</source>
        <extracomment>Emitted with the new :class:`DeviceSelection` whenever any choice changes.</extracomment>
        <translation>设备：</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="337"/>
        <source>Precision:</source>
        <translation>精度：</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="349"/>
        <source>How numbers are stored while the model runs. Smaller formats use less memory and are often faster, at a small cost in accuracy.</source>
        <translation>模型运行时数值的存储格式。较小的格式占用内存更少，通常也更快，但准确率会略有损失。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="666"/>
        <source>ONNX Runtime times the float32 export of the model; pick PyTorch eager or torch.compile to run it in {dtype}.</source>
        <translation>ONNX Runtime 计时的是模型导出的 float32 版本；要以 {dtype} 运行，请选择 PyTorch eager 模式或 torch.compile。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="380"/>
        <source>Threads:</source>
        <translation>线程数：</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="389"/>
        <source>Batch size:</source>
        <translation>批大小：</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="395"/>
        <source>How many inputs the model handles at once. Bigger batches usually get through more inputs per second, but each one takes longer and uses more memory.</source>
        <translation>模型一次处理的输入个数。批越大，通常每秒能处理越多输入，但每批耗时更长、占用内存更多。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="468"/>
        <source>No CUDA GPU found on this computer</source>
        <translation>此计算机上未找到 CUDA GPU</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="471"/>
        <source>PyTorch sees no NVIDIA graphics card here, or this copy of PyTorch was built without GPU support. Models run on the processor (CPU).</source>
        <translation>PyTorch 在这台计算机上找不到 NVIDIA 显卡，或当前安装的 PyTorch 不支持 GPU。模型将在处理器（CPU）上运行。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="644"/>
        <source>torch.compile cannot run on this computer.</source>
        <translation>此计算机上无法运行 torch.compile。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="613"/>
        <source>How many of the processor&apos;s threads the model may use (1 to {count}). More is usually faster, until other programs compete for them.</source>
        <translation>模型可使用的处理器线程数（1 到 {count}）。通常越多越快，直到与其他程序争用线程为止。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="358"/>
        <source>Runtime:</source>
        <translation>运行时：</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="371"/>
        <source>What runs the model when you benchmark it, and what times it before and after pruning, quantization and distillation (a quantization&apos;s own Compile box decides while this says eager). Greyed-out runtimes cannot serve the chosen device: hover over one to read why.</source>
        <translation>基准测试时由什么来运行模型，以及剪枝、量化和蒸馏前后由什么来计时（此处为 eager 时，量化由其自身的“编译”选项决定）。灰色的运行时无法用于所选设备：将鼠标悬停其上可查看原因。</translation>
    </message>
    <message>
        <location filename="../../widgets/device_picker.py" line="622"/>
        <source>Only used when running on the processor (CPU): a GPU decides by itself how to spread the work.</source>
        <translation>仅在处理器（CPU）上运行时使用：GPU 会自行决定如何分配工作。</translation>
    </message>
</context>
<context>
    <name>JobListWidget</name>
    <message>
        <location filename="../../widgets/job_list.py" line="65"/>
        <location filename="../../widgets/job_list.py" line="131"/>
        <source>Cancelling</source>
        <extracomment>Readable on light and dark backgrounds alike. Finished jobs the list keeps; older ones leave it, or a long session would pile up rows (each with its progress bar widget) without end.</extracomment>
        <translation>正在取消</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="67"/>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="68"/>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="69"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="70"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="71"/>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="81"/>
        <source>{seconds} s</source>
        <translation>{seconds} 秒</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="106"/>
        <source>Job</source>
        <extracomment>The user asked to cancel this job (by its id).</extracomment>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="107"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="108"/>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="109"/>
        <source>Elapsed</source>
        <translation>用时</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="110"/>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="136"/>
        <location filename="../../widgets/job_list.py" line="193"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="145"/>
        <source>Clear finished</source>
        <translation>清除已结束</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="149"/>
        <source>Remove finished jobs from this list</source>
        <translation>从列表中移除已结束的任务</translation>
    </message>
    <message>
        <location filename="../../widgets/job_list.py" line="196"/>
        <source>Stop this job; the original model is left unchanged</source>
        <translation>停止此任务；原始模型保持不变</translation>
    </message>
</context>
<context>
    <name>JobRunner</name>
    <message>
        <location filename="../../app/job_runner.py" line="128"/>
        <source>Internal error: {detail} (details are in the log).</source>
        <extracomment>Every state a job can be in, in the order it passes through them. States a job never leaves. Metrics of the latest Progress. Class name of the error (e.g. &quot;UntrustedPickleError&quot;), so the window can offer a follow-up such as &quot;trust this file&quot;; the exception itself is not kept (it would pin the job&apos;s frames and models in memory).</extracomment>
        <translation>内部错误：{detail}（详情见日志）。</translation>
    </message>
    <message>
        <location filename="../../app/job_runner.py" line="307"/>
        <source>Waiting</source>
        <extracomment>Progress is waiting in ``take_progress()`` (posted only when the list was empty). &quot;returned&quot;, &quot;errored&quot; or &quot;aborted&quot; once run() ended; None before. No job is queued or running any more (used by wait_all).</extracomment>
        <translation>等待中</translation>
    </message>
    <message>
        <location filename="../../app/job_runner.py" line="330"/>
        <source>Cancelled before it started</source>
        <translation>开始前已取消</translation>
    </message>
    <message>
        <location filename="../../app/job_runner.py" line="335"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location filename="../../app/job_runner.py" line="407"/>
        <source>Starting</source>
        <translation>正在启动</translation>
    </message>
    <message>
        <location filename="../../app/job_runner.py" line="481"/>
        <source>Finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../../app/job_runner.py" line="484"/>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>LayerDetails</name>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1119"/>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1120"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1121"/>
        <source>Data type</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1122"/>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1123"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1124"/>
        <source>FLOPs</source>
        <translation>FLOPs</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1125"/>
        <source>Output shape</source>
        <translation>输出形状</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1126"/>
        <source>Sparsity</source>
        <translation>稀疏度</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1163"/>
        <source>Weight value</source>
        <translation>权重值</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1164"/>
        <source>Count</source>
        <translation>数量</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1208"/>
        <source>No layer selected</source>
        <translation>未选择层</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1212"/>
        <source>Select a layer to see its details.</source>
        <translation>选择一个层以查看其详细信息。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1221"/>
        <source>The weights are not loaded, so there is no histogram.</source>
        <translation>权重未加载，因此没有直方图。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1229"/>
        <source>This is an ONNX model run by ONNX Runtime: its layers and weights live inside the ONNX graph, so the tree shows the whole model as one row and there is no weight histogram.</source>
        <translation>这是由 ONNX Runtime 运行的 ONNX 模型：它的层和权重都在 ONNX 计算图内部，因此层树只用一行显示整个模型，也没有权重直方图。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1241"/>
        <source>This layer is not in the loaded model any more.</source>
        <translation>已加载的模型中已不再有该层。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1258"/>
        <source>(the whole model)</source>
        <translation>（整个模型）</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1265"/>
        <source>{total} with sublayers, {own} its own</source>
        <translation>含子层共 {total}，自身 {own}</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1273"/>
        <source>({bytes} bytes)</source>
        <translation>({bytes} 字节)</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1279"/>
        <source>Unknown (no example inputs, or the layer was not called)</source>
        <translation>未知（没有示例输入，或该层未被调用）</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1290"/>
        <source>{percent} ({zeros} of {total} zero)</source>
        <translation>{percent}（{total} 个中有 {zeros} 个为零）</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1299"/>
        <source>This layer has no weights of its own.</source>
        <translation>该层没有自身的权重。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1301"/>
        <source>Its {count} parameters belong to the layers inside it.</source>
        <translation>它的 {count} 个参数都属于其内部的层。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1320"/>
        <source>Own weights ({names}): {shown} sampled of {total} values</source>
        <translation>自身权重（{names}）：从 {total} 个值中抽样 {shown} 个</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="1324"/>
        <source>Own weights ({names}): {total} values</source>
        <translation>自身权重（{names}）：{total} 个值</translation>
    </message>
</context>
<context>
    <name>LayerDiffView</name>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="81"/>
        <source>Only changed layers</source>
        <extracomment>The :class:`LayerDiffRow` behind an item (column LAYER). Tints blended over the theme&apos;s base colour (Okabe-Ito amber and bluish green).</extracomment>
        <translation>仅显示有变化的层</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="84"/>
        <source>Hide layers that are the same in both variants (their containers stay)</source>
        <translation>隐藏两个变体中相同的层（包含它们的上层仍会显示）</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="110"/>
        <source>Pick two variants of a model to compare them layer by layer.</source>
        <translation>选择同一模型的两个变体，逐层进行对比。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="140"/>
        <source>Layer by layer</source>
        <translation>逐层对比</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="146"/>
        <source>A: {a} · B: {b}</source>
        <translation>A：{a} · B：{b}</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="178"/>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="179"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="180"/>
        <source>Params
(A)</source>
        <translation>参数量
(A)</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="181"/>
        <source>Params
(B)</source>
        <translation>参数量
(B)</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="182"/>
        <source>Channels
(A → B)</source>
        <translation>通道数
(A → B)</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="183"/>
        <source>Dtype
(A → B)</source>
        <translation>数据类型
(A → B)</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="184"/>
        <source>Latency
(A)</source>
        <translation>延迟
(A)</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="185"/>
        <source>Latency
(B)</source>
        <translation>延迟
(B)</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="186"/>
        <source>What changed</source>
        <translation>变化内容</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="191"/>
        <source>The layer&apos;s name inside its parent; the top row is the whole model.</source>
        <translation>层在其父层中的名称；最上面一行是整个模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="192"/>
        <source>The kind of layer; A → B where the variant replaced it.</source>
        <translation>层的种类；变体替换了该层时显示为 A → B。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="193"/>
        <source>Parameters of the layer and everything inside it, in variant A.</source>
        <translation>变体 A 中该层及其内部所有层的参数量。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="194"/>
        <source>Parameters of the layer and everything inside it, in variant B.</source>
        <translation>变体 B 中该层及其内部所有层的参数量。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="195"/>
        <source>Output channels, features or heads: what structured pruning removes.</source>
        <translation>输出通道、特征或注意力头：即结构化剪枝移除的对象。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="196"/>
        <source>The precision the layer&apos;s weight is stored in: what quantization changes.</source>
        <translation>该层权重的存储精度：即量化所改变的内容。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="198"/>
        <source>Median eager time of the layer (what is inside it included) in variant A, timed with hooks; compiled models are not timed per layer.</source>
        <translation>变体 A 中该层（含其内部各层）在 eager 模式下的用时中位数，通过钩子计时；编译后的模型不做逐层计时。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="201"/>
        <source>Median eager time of the layer in variant B, on the same inputs.</source>
        <translation>变体 B 中该层在相同输入下、eager 模式的用时中位数。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="202"/>
        <source>What differs between the two variants, in words.</source>
        <translation>用文字说明两个变体之间的差异。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="211"/>
        <source>{changed} of {total} layers changed</source>
        <translation>{total} 层中有 {changed} 层发生变化</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="216"/>
        <source>{count} removed</source>
        <translation>移除 {count} 层</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="218"/>
        <source>{count} added</source>
        <translation>新增 {count} 层</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="227"/>
        <source>A and B run about as fast</source>
        <translation>A 与 B 速度相当</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="229"/>
        <source>B runs {ratio}× faster</source>
        <translation>B 比 A 快 {ratio}×</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="230"/>
        <source>B runs {ratio}× slower</source>
        <translation>B 比 A 慢 {ratio}×</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="237"/>
        <source>The whole model</source>
        <translation>整个模型</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="253"/>
        <source>(whole model)</source>
        <translation>（整个模型）</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="271"/>
        <source>ms</source>
        <comment>milliseconds</comment>
        <translation>ms</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="284"/>
        <source>removed: only in A</source>
        <translation>已移除：仅在 A 中</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="286"/>
        <source>added: only in B</source>
        <translation>新增：仅在 B 中</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="290"/>
        <source>channels {a} → {b}</source>
        <translation>通道数 {a} → {b}</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="296"/>
        <source>no weight</source>
        <translation>无权重</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_diff_view.py" line="302"/>
        <source>params {a} → {b}</source>
        <translation>参数量 {a} → {b}</translation>
    </message>
</context>
<context>
    <name>LayerTreeModel</name>
    <message>
        <location filename="../../widgets/formatting.py" line="45"/>
        <source>T</source>
        <comment>trillion</comment>
        <extracomment>Shown where a value is unknown or does not apply.</extracomment>
        <translation>T</translation>
    </message>
    <message>
        <location filename="../../widgets/formatting.py" line="46"/>
        <source>B</source>
        <comment>billion</comment>
        <translation>B</translation>
    </message>
    <message>
        <location filename="../../widgets/formatting.py" line="47"/>
        <source>M</source>
        <comment>million</comment>
        <translation>M</translation>
    </message>
    <message>
        <location filename="../../widgets/formatting.py" line="48"/>
        <source>k</source>
        <comment>thousand</comment>
        <translation>k</translation>
    </message>
    <message>
        <location filename="../../widgets/formatting.py" line="59"/>
        <source>TB</source>
        <translation>TB</translation>
    </message>
    <message>
        <location filename="../../widgets/formatting.py" line="60"/>
        <source>GB</source>
        <translation>GB</translation>
    </message>
    <message>
        <location filename="../../widgets/formatting.py" line="61"/>
        <source>MB</source>
        <translation>MB</translation>
    </message>
    <message>
        <location filename="../../widgets/formatting.py" line="62"/>
        <source>kB</source>
        <translation>kB</translation>
    </message>
    <message>
        <location filename="../../widgets/formatting.py" line="71"/>
        <source>B</source>
        <comment>bytes</comment>
        <translation>B</translation>
    </message>
    <message>
        <location filename="../../widgets/formatting.py" line="78"/>
        <source>FLOP</source>
        <translation>FLOP</translation>
    </message>
    <message>
        <location filename="../../widgets/formatting.py" line="89"/>
        <source>scalar</source>
        <translation>标量</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="159"/>
        <source>Tick a layer to leave it alone when compressing.</source>
        <extracomment>Raw values for sorting: ints and floats for numeric columns, natural-order keys for text. The :class:`LayerNode` behind a row (any column). Columns that only mean something while a variant is compared with the one it came from. Between the figures before and after in comparison cells. At most this many weight values go into a histogram (sampled with a fixed seed). fnmatch&apos;s wildcards, and the characters the skip field splits patterns at.</extracomment>
        <translation>勾选某一层，压缩时就不会动它。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="166"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="167"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="168"/>
        <source>Channels</source>
        <translation>通道数</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="169"/>
        <source>Params before</source>
        <translation>之前参数量</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="170"/>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="171"/>
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="172"/>
        <source>% of total</source>
        <translation>占比</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="173"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="174"/>
        <source>FLOPs</source>
        <translation>FLOPs</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="175"/>
        <source>Output shape</source>
        <translation>输出形状</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="176"/>
        <source>Sparsity</source>
        <translation>稀疏度</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="182"/>
        <source>The layer&apos;s name inside its parent; the top row is the whole model.</source>
        <translation>层在其父层中的名称；最上面一行是整个模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="188"/>
        <source>The kind of layer (its PyTorch class), such as Linear or Conv2d.</source>
        <translation>层的种类（即其 PyTorch 类），例如 Linear 或 Conv2d。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="191"/>
        <source>How many outputs the layer makes: output channels of a convolution, outputs of a linear layer, heads of an attention layer. Pruning whole channels lowers it; compared with the model a variant came from, it reads before → after.</source>
        <translation>该层产生多少个输出：卷积层的输出通道数、线性层的输出数、注意力层的头数。剪掉整个通道会让它变小；与变体的来源模型对比时，显示为“之前 → 之后”。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="197"/>
        <source>Parameters the layer had in the model this variant was made from.</source>
        <translation>该层在此变体的来源模型中的参数量。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="201"/>
        <source>Numbers the layer learned during training; fewer means a smaller model.</source>
        <translation>该层在训练中学到的数值；越少模型越小。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="205"/>
        <source>How the layer&apos;s parameters changed from the model this variant was made from: −50 % means half of them are gone.</source>
        <translation>与此变体的来源模型相比，该层参数量的变化：−50 % 表示少了一半。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="210"/>
        <source>This layer&apos;s share of all the model&apos;s parameters.</source>
        <translation>该层参数占模型全部参数的比例。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="213"/>
        <source>Memory the layer&apos;s weights and buffers really take, at their stored precision.</source>
        <translation>该层的权重和缓冲区按存储精度实际占用的内存。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="217"/>
        <source>Arithmetic operations for one pass over the example input; fewer usually means faster. Shown as — when the model was not run with example inputs.</source>
        <translation>对示例输入计算一遍所需的算术运算次数；通常越少越快。模型未用示例输入运行过时显示为 —。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="222"/>
        <source>Size of what the layer produces for the example input (batch first).</source>
        <translation>该层对示例输入所产生输出的尺寸（批维度在前）。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="226"/>
        <source>Share of this layer&apos;s weights that are exactly zero. Zeros only make a model smaller or faster when whole channels are removed or the file is saved sparse.</source>
        <translation>该层权重中恰好为零的比例。只有移除整个通道或以稀疏格式保存文件时，零值才会让模型变小或变快。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="631"/>
        <source>new</source>
        <comment>a layer the earlier model lacks</comment>
        <extracomment>The outermost ticked paths (list[str], in tree order) after every change.</extracomment>
        <translation>新增</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="653"/>
        <source>removed</source>
        <comment>a layer that is gone</comment>
        <translation>已移除</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="705"/>
        <source>{path} is gone: {name} had it, this variant does not.</source>
        <translation>{path} 已不存在：{name} 中有这一层，此变体中没有。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="709"/>
        <source>(the whole model)</source>
        <translation>（整个模型）</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="714"/>
        <source>Left alone when compressing, because {path} is ticked.</source>
        <translation>压缩时保持原样，因为已勾选 {path}。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="723"/>
        <source>New: {name} has no layer at this path.</source>
        <translation>新增：{name} 中没有此路径的层。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="726"/>
        <source>{before} parameters before, {after} now</source>
        <translation>之前 {before} 个参数，现在 {after} 个</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="730"/>
        <source>{count} attention heads</source>
        <translation>{count} 个注意力头</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="734"/>
        <source>{total} parameters, {own} of them in this layer itself</source>
        <translation>{total} 个参数，其中 {own} 个属于该层本身</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="738"/>
        <source>{bytes} bytes</source>
        <translation>{bytes} 字节</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="743"/>
        <source>Unknown: the model was not run with example inputs, or this layer was not called.</source>
        <translation>未知：模型未用示例输入运行过，或该层未被调用。</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="748"/>
        <source>{flops} FLOPs</source>
        <translation>{flops} FLOPs</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="752"/>
        <source>{zeros} of {total} weights are zero</source>
        <translation>{total} 个权重中有 {zeros} 个为零</translation>
    </message>
</context>
<context>
    <name>LayerTreeView</name>
    <message>
        <location filename="../../widgets/layer_tree.py" line="845"/>
        <source>Filter layers by name or type…</source>
        <extracomment>The ticked layers&apos; module paths (list[str]) after every change, [] when none is left. Levels expanded when a result is shown.</extracomment>
        <translation>按名称或类型筛选层…</translation>
    </message>
    <message>
        <location filename="../../widgets/layer_tree.py" line="875"/>
        <source>Everything inside a ticked layer is left alone with it. The ticked layers are filled into the skip fields of the Compress tab.</source>
        <translation>勾选层内部的所有层也一并保持原样。勾选的层会填入“压缩”页的跳过字段。</translation>
    </message>
</context>
<context>
    <name>LiveCurve</name>
    <message>
        <location filename="../../widgets/charts.py" line="1132"/>
        <source>Values from the running job, as they arrive. The dashed line is the median: half of the values are below it. p90: nine in ten values are below it.</source>
        <translation>正在运行的任务实时产生的数值。虚线是中位数：一半的数值低于它。p90：十分之九的数值低于它。</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="1173"/>
        <source>Sample</source>
        <translation>样本</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="1214"/>
        <source>median {median} · p90 {p90}</source>
        <translation>中位数 {median} · p90 {p90}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/main_window.py" line="321"/>
        <source>Jobs</source>
        <translation>任务</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="333"/>
        <source>Loading the engine…</source>
        <translation>正在加载引擎…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="352"/>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="373"/>
        <source>Accuracy after each epoch of recovery fine-tuning: on the validation slice held out of the training data (it picks the best epoch, the one kept) and on the test data. Epoch 0 is the pruned model before fine-tuning.</source>
        <translation>恢复微调每一轮之后的准确率：在从训练数据中留出的验证集上（用它选出最佳轮次，即保留的那一轮）和在测试数据上。第 0 轮是微调前的剪枝模型。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="407"/>
        <source>Compress</source>
        <translation>压缩</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="408"/>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="409"/>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="410"/>
        <source>Before / after</source>
        <translation>前后对比</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="411"/>
        <source>Trade-offs</source>
        <translation>权衡</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="412"/>
        <source>Sensitivity</source>
        <translation>敏感度</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="413"/>
        <source>Recipe</source>
        <translation>配方</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="414"/>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="424"/>
        <source>Make the model smaller or faster: quantize or prune it into a new variant.</source>
        <translation>让模型更小或更快：量化或剪枝，得到一个新变体。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="425"/>
        <source>Measurements of the running job as they arrive.</source>
        <translation>正在运行的任务的实时测量结果。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="427"/>
        <source>Size, speed and quality of the selected variants next to each other.</source>
        <translation>并排对比所选变体的大小、速度和质量。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="429"/>
        <source>Every variant by speed and quality; the line joins the best trade-offs.</source>
        <translation>按速度和质量展示每个变体；连线连接最佳权衡。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="431"/>
        <source>How much each layer suffers when it alone is compressed: leave the worst alone.</source>
        <translation>单独压缩每一层时该层受损多少：最敏感的层请保持不动。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="436"/>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="436"/>
        <source>Technique</source>
        <translation>方法</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="436"/>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="436"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="437"/>
        <location filename="../../app/main_window.py" line="890"/>
        <source>Latency</source>
        <translation>延迟</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="437"/>
        <source>Quality</source>
        <translation>质量</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="440"/>
        <source>A version of the model: the original, or one made from it by a job.</source>
        <translation>模型的一个版本：原始模型，或由任务从其生成的版本。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="441"/>
        <source>How this variant was made.</source>
        <translation>此变体的生成方式。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="442"/>
        <source>Numbers the model learned; fewer means a smaller model.</source>
        <translation>模型学到的数值；越少模型越小。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="443"/>
        <source>Space the weights take in memory and on disk.</source>
        <translation>权重在内存和磁盘上占用的空间。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="444"/>
        <source>How long one prediction takes on the chosen device. Lower is faster.</source>
        <translation>在所选设备上完成一次预测所需的时间。越低越快。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="445"/>
        <source>Share of test examples answered correctly (or agreement with the original when there are no labels).</source>
        <translation>答对的测试样本比例（没有标签时为与原始模型的一致率）。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="479"/>
        <source>Where and how the model runs when you benchmark it.</source>
        <translation>基准测试时模型在何处、以何种方式运行。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="497"/>
        <source>Open model…</source>
        <translation>打开模型…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="500"/>
        <source>Benchmark</source>
        <translation>基准测试</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="501"/>
        <source>Time the model on the chosen device: how many milliseconds one prediction takes, measured many times.</source>
        <translation>在所选设备上为模型计时：多次测量，得出一次预测需要多少毫秒。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="504"/>
        <source>Measure quality</source>
        <translation>评估质量</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="505"/>
        <source>Check how often the model answers its test examples correctly, and how closely each variant follows the original.</source>
        <translation>检查模型答对测试样本的比例，以及各变体与原始模型的接近程度。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="507"/>
        <source>Cancel jobs</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="508"/>
        <source>Stop every queued and running job.</source>
        <translation>停止所有排队中和运行中的任务。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="509"/>
        <source>Save variant as…</source>
        <translation>变体另存为…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="511"/>
        <source>Start page</source>
        <translation>起始页</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="512"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="518"/>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="529"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="535"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="538"/>
        <source>Open recent</source>
        <translation>最近打开</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="543"/>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="548"/>
        <source>Memory limit per job…</source>
        <translation>每个任务的内存上限…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="549"/>
        <source>A job that needs more memory than this is stopped cleanly instead of running the computer out of memory.</source>
        <translation>需要超过此内存的任务会被干净地停止，而不会耗尽计算机的内存。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="552"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="553"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="554"/>
        <location filename="../../app/main_window.py" line="558"/>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="557"/>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="558"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="559"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="584"/>
        <source>Slimbench</source>
        <translation>Slimbench</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="585"/>
        <source>Slimbench — {name}</source>
        <translation>Slimbench — {name}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="596"/>
        <source>Memory limit per job</source>
        <translation>每个任务的内存上限</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="598"/>
        <source>Stop a job cleanly once it has used this much memory, e.g. 2G or 512M.
Leave it empty for {share:.0%} of the memory free when the job starts (now {free}).</source>
        <translation>任务用到这么多内存时将其干净地停止，例如 2G 或 512M。
留空则使用任务开始时空闲内存的 {share:.0%}（当前为 {free}）。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="615"/>
        <source>Memory limit not changed</source>
        <translation>内存上限未更改</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="690"/>
        <source>Looking for GPUs</source>
        <translation>正在查找 GPU</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="693"/>
        <source>Find devices</source>
        <translation>查找设备</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="699"/>
        <source>Open model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="733"/>
        <source>Open {spec}</source>
        <translation>打开 {spec}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1623"/>
        <source>{device}, {runtime}, batch {batch}</source>
        <extracomment>Where a variant&apos;s latency was timed: device, runtime and batch size.</extracomment>
        <translation>{device}，{runtime}，批大小 {batch}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="244"/>
        <location filename="../../app/main_window.py" line="766"/>
        <location filename="../../app/main_window.py" line="1256"/>
        <source>Inspect {name}</source>
        <translation>分析 {name}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="773"/>
        <source>Load a file that can run code?</source>
        <translation>要加载可能运行代码的文件吗？</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="774"/>
        <source>This file can run code on your computer. Load it only if you trust its source.</source>
        <translation>此文件可以在你的计算机上运行代码。仅在你信任其来源时才加载。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="877"/>
        <source>Cannot benchmark</source>
        <translation>无法进行基准测试</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="889"/>
        <source>Latency of each run — {name}</source>
        <translation>每次运行的延迟 — {name}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="905"/>
        <source>Measure quality of {name}</source>
        <translation>评估质量 {name}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="966"/>
        <source>{technique} {name}: {label}</source>
        <translation>{technique} {name}：{label}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="999"/>
        <source>Sensitivity of {name}</source>
        <translation>敏感度 {name}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1035"/>
        <source>Distillation — {name}</source>
        <translation>蒸馏 — {name}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1037"/>
        <source>The training loss of each step of distillation: it falls as the student learns to answer like the teacher.</source>
        <translation>蒸馏每一步的训练损失：学生学会像教师一样回答时，它会下降。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1040"/>
        <source>Recovery fine-tuning — {name}</source>
        <translation>恢复微调 — {name}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1044"/>
        <source>Training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1044"/>
        <source>Step</source>
        <translation>步</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1574"/>
        <source>{ms:.2f} ms on {device} ({runtime}, {dtype}, batch {batch})</source>
        <translation>在 {device} 上 {ms:.2f} ms（{runtime}，{dtype}，批大小 {batch}）</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1678"/>
        <source>Half as wide, trained from scratch</source>
        <translation>宽度减半，从头训练</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1680"/>
        <source>Pruned by half, then distilled</source>
        <translation>先剪掉一半，再蒸馏</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1682"/>
        <source>A quarter as wide, trained from scratch</source>
        <translation>宽度为四分之一，从头训练</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1689"/>
        <source>Built-in {name}</source>
        <translation>内置模型 {name}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1042"/>
        <source>The training loss of each step of recovery fine-tuning: it falls as the pruned model learns back what it lost.</source>
        <translation>恢复微调每一步的训练损失：剪枝后的模型重新学回失去的能力时，它会下降。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="196"/>
        <source>Restore your last session?</source>
        <extracomment>Most often the chart in view is redrawn while jobs end one after another. Emitted once the first model is inspected (start-up measurements wait for it). What each load job was asked (spec, trust, architecture), to ask again after a refusal; &quot;refused&quot; gets the Python file or module a refused load would have run.</extracomment>
        <translation>恢复上次的工作？</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="197"/>
        <source>Slimbench did not close properly last time. Restore the {count} models you were working on?</source>
        <translation>Slimbench 上次没有正常关闭。要恢复当时正在处理的 {count} 个模型吗？</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="206"/>
        <source>Restore the last session</source>
        <translation>恢复上次的工作</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="219"/>
        <source>Loading the models of the last session</source>
        <translation>正在加载上次工作中的模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="254"/>
        <source>Some models could not be restored</source>
        <translation>部分模型无法恢复</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="816"/>
        <source>Loading {file} runs the Python code in {code}, which can do anything on your computer. Load it only if you trust that code.</source>
        <translation>加载 {file} 会运行 {code} 中的 Python 代码，这些代码可以在你的计算机上做任何事。仅在你信任这些代码时才加载。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="819"/>
        <source>Loading {file} imports the Python module {code}, which can do anything on your computer. Load it only if you trust that code.</source>
        <translation>加载 {file} 会导入 Python 模块 {code}，它可以在你的计算机上做任何事。仅在你信任这些代码时才加载。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="822"/>
        <source>Run the Python code of this model?</source>
        <translation>要运行此模型的 Python 代码吗？</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1046"/>
        <source>Accuracy after each epoch</source>
        <translation>每轮之后的准确率</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1047"/>
        <source>Accuracy</source>
        <translation>准确率</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1047"/>
        <source>Epoch</source>
        <translation>轮次</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1054"/>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1057"/>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1058"/>
        <source>test</source>
        <translation>测试集</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="853"/>
        <location filename="../../app/main_window.py" line="1100"/>
        <source>{title} failed</source>
        <translation>{title} 失败</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="700"/>
        <source>Models (*.pt *.pth *.pt2 *.safetensors *.ts *.bin *.onnx);;All files (*)</source>
        <translation>模型 (*.pt *.pth *.pt2 *.safetensors *.ts *.bin *.onnx);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="884"/>
        <source>Benchmark {name} on {device}, {runtime}</source>
        <translation>在 {device} 上用 {runtime} 对 {name} 做基准测试</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1179"/>
        <source>Recovery was cancelled: kept the best model so far, from epoch {epoch} (chosen by validation accuracy).</source>
        <translation>恢复已取消：保留了目前最好的模型，来自第 {epoch} 轮（按验证准确率选出）。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1182"/>
        <source>Recovery was cancelled before an epoch improved the model: kept the pruned model without fine-tuning.</source>
        <translation>恢复在任何一轮改进模型之前就被取消：保留了未经微调的剪枝模型。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1197"/>
        <source>Distillation was cancelled: kept the best student so far, from epoch {epoch} (chosen by validation score).</source>
        <translation>蒸馏已取消：保留了目前最好的学生模型，来自第 {epoch} 轮（按验证分数选出）。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1201"/>
        <source>Keep the best student of {name}</source>
        <translation>保留 {name} 的最佳学生模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1228"/>
        <source>Distillation trains on the model&apos;s own data, and this model brings none; use `slimbench distill --data FILE` for your own data.</source>
        <translation>蒸馏使用模型自带的数据训练，而此模型没有自带数据；如要使用自己的数据，请运行 `slimbench distill --data FILE`。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1232"/>
        <source>No student can be made for this model: its architecture is not recorded.</source>
        <translation>无法为此模型生成学生模型：它的架构没有记录。</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1276"/>
        <source>Fidelity lost (1 − cosine)</source>
        <translation>保真度损失 (1 − 余弦)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1282"/>
        <source>{layer} → {percent} %</source>
        <translation>{layer} → {percent} %</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1284"/>
        <source>{layer} → kept</source>
        <translation>{layer} → 保留</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1287"/>
        <source>Predictions changed</source>
        <translation>预测改变的比例</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1289"/>
        <source>Predictions changed (→ share removed)</source>
        <translation>预测改变的比例（→ 去掉的比例）</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1410"/>
        <source>original</source>
        <translation>原始模型</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1410"/>
        <source>Quantize</source>
        <translation>量化</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1411"/>
        <source>Prune</source>
        <translation>剪枝</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1411"/>
        <source>Distil</source>
        <translation>蒸馏</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1461"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1462"/>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1463"/>
        <source>Compare selected</source>
        <translation>对比所选</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1465"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1471"/>
        <source>Rename variant</source>
        <translation>重命名变体</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1472"/>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1478"/>
        <source>Cannot rename</source>
        <translation>无法重命名</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1512"/>
        <source>ONNX model (*.onnx)</source>
        <translation>ONNX 模型 (*.onnx)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1513"/>
        <source>PyTorch exported program (*.pt2)</source>
        <translation>PyTorch 导出程序 (*.pt2)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1514"/>
        <source>Save variant</source>
        <translation>保存变体</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1516"/>
        <source>PyTorch model (*.pt)</source>
        <translation>PyTorch 模型 (*.pt)</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1538"/>
        <source>Cannot save</source>
        <translation>无法保存</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1560"/>
        <location filename="../../app/main_window.py" line="1568"/>
        <source>{params} parameters</source>
        <translation>参数量 {params}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1564"/>
        <source>{flops} per prediction</source>
        <translation>每次预测 {flops}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1569"/>
        <source>source: {source}</source>
        <translation>来源：{source}</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1582"/>
        <source>before/after measured on {runtime}</source>
        <translation>压缩前后均在 {runtime} 上测量</translation>
    </message>
    <message>
        <location filename="../../app/main_window.py" line="1585"/>
        <source>{accuracy:.1f} % accurate on {data}</source>
        <translation>在 {data} 上准确率 {accuracy:.1f} %</translation>
    </message>
</context>
<context>
    <name>PipelineEditor</name>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="311"/>
        <source>The model every step starts from.</source>
        <extracomment>The user pressed Run on a valid recipe: (Recipe). The user pressed Cancel while a recipe runs. The user changed something in the form (not emitted by set_recipe and the like). Per step (by identity), why its advanced options cannot be read.</extracomment>
        <translation>所有步骤的起始模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="324"/>
        <source>&amp;Open recipe…</source>
        <translation>打开配方(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="326"/>
        <source>Read a recipe from a .toml file.</source>
        <translation>从 .toml 文件读取配方。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="327"/>
        <source>&amp;Save recipe…</source>
        <translation>保存配方(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="330"/>
        <source>Write this recipe to a .toml file; `slimbench run FILE` runs it headless.</source>
        <translation>将此配方写入 .toml 文件；用 `slimbench run FILE` 可在无界面模式下运行它。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="332"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="334"/>
        <source>Stops the running recipe after its current step.</source>
        <translation>在当前步骤完成后停止正在运行的配方。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="335"/>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="338"/>
        <source>Runs every step and measures each result on the ticked devices.</source>
        <translation>运行每个步骤，并在勾选的设备上测量每个结果。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="384"/>
        <source>Steps, in order</source>
        <translation>步骤（按顺序）</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="390"/>
        <source>Each step works on the model the step before produced. Select a step to change it.</source>
        <translation>每个步骤都处理上一步生成的模型。选中某个步骤即可修改它。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="395"/>
        <source>Add pruning</source>
        <translation>添加剪枝</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="396"/>
        <source>Add distillation</source>
        <translation>添加蒸馏</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="397"/>
        <source>Add quantization</source>
        <translation>添加量化</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="410"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="412"/>
        <source>Removes the selected step.</source>
        <translation>移除所选步骤。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="413"/>
        <source>Move up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="415"/>
        <source>Runs the selected step one place earlier.</source>
        <translation>将所选步骤提前一位运行。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="416"/>
        <source>Move down</source>
        <translation>下移</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="418"/>
        <source>Runs the selected step one place later.</source>
        <translation>将所选步骤推后一位运行。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="436"/>
        <location filename="../../widgets/pipeline_editor.py" line="1169"/>
        <source>Selected step</source>
        <translation>所选步骤</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="440"/>
        <source>Add a step with the buttons on the left, then select it to change its settings.</source>
        <translation>用左侧的按钮添加步骤，然后选中它来修改设置。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="521"/>
        <source>(automatic)</source>
        <translation>（自动）</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="522"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="523"/>
        <source>A short label for the variant this step makes, shown in the results. Empty: made from the settings.</source>
        <translation>此步骤生成的变体的简短名称，显示在结果中。留空则根据设置自动生成。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="529"/>
        <source>Advanced options</source>
        <translation>高级选项</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="566"/>
        <source>Method</source>
        <translation>方式</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="567"/>
        <source>What is removed: whole channels (smaller and faster) or single weights (only sparser).</source>
        <translation>移除的对象：整个通道（更小、更快）或单个权重（只是更稀疏）。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="573"/>
        <source>The share removed: 0.5 removes half of the channels (structured) or of the weights (unstructured).</source>
        <translation>移除的比例：0.5 即移除一半的通道（结构化）或权重（非结构化）。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="576"/>
        <source>Amount</source>
        <translation>比例</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="581"/>
        <source>Importance</source>
        <translation>重要性</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="582"/>
        <source>How to decide what matters least, and so what is removed first.</source>
        <translation>如何判断哪些部分最不重要，从而决定先移除什么。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="586"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="587"/>
        <source> epochs</source>
        <translation> 轮</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="588"/>
        <source>Retrain afterwards</source>
        <translation>剪枝后再训练</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="589"/>
        <source>Epochs of fine-tuning after pruning, to win back quality. None: keep the pruned model as it is (a distillation step can follow instead).</source>
        <translation>剪枝后微调的轮数，用于挽回质量。无：剪枝后的模型保持原样（也可以改为在后面接一个蒸馏步骤）。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="592"/>
        <source>Learn from the original while retraining</source>
        <translation>再训练时向原始模型学习</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="596"/>
        <source>The pruned model learns to give the original&apos;s answers as well as the labels (knowledge distillation); usually keeps more quality.</source>
        <translation>剪枝后的模型既学习标签，也学习给出与原始模型相同的答案（知识蒸馏）；通常能保留更多质量。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="631"/>
        <source>Student</source>
        <translation>学生模型</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="632"/>
        <source>The model that learns: previous (the step before&apos;s result), width:0.5 (half as wide), pruned:0.5 (the original, half its channels pruned) or zoo:NAME.</source>
        <translation>进行学习的模型：previous（上一步的结果）、width:0.5（宽度减半）、pruned:0.5（剪掉一半通道的原始模型）或 zoo:NAME。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="643"/>
        <source>Teacher</source>
        <translation>教师模型</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="644"/>
        <source>The model whose answers the student learns to give: usually the original, unpruned one.</source>
        <translation>学生模型要学着给出与之相同答案的模型：通常是未经剪枝的原始模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="649"/>
        <source>Epochs</source>
        <translation>训练轮数</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="650"/>
        <source>Passes over the training data. Training stops early when the validation score stops improving.</source>
        <translation>遍历训练数据的次数。验证分数不再提高时会提前停止训练。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="655"/>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="656"/>
        <source>Softens the teacher&apos;s answers so the student also learns which wrong answers are nearly right. 2 to 6 works for most models.</source>
        <translation>软化教师模型的答案，让学生模型也能学到哪些错误答案其实接近正确。大多数模型取 2 到 6 即可。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="661"/>
        <source>Teacher weight (alpha)</source>
        <translation>教师权重 (alpha)</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="662"/>
        <source>How much the teacher&apos;s answers count against the labels: 1 learns only from the teacher, 0 only from the labels.</source>
        <translation>教师模型的答案相对于标签的权重：1 表示只向教师模型学习，0 表示只学标签。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="701"/>
        <source>Scheme</source>
        <translation>方案</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="702"/>
        <source>How the model&apos;s numbers are stored after quantization. Hover over an entry to read what it is good for.</source>
        <translation>量化后模型数值的存储方式。将鼠标悬停在选项上可查看其适用场景。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="712"/>
        <source>Compile</source>
        <translation>编译</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="713"/>
        <source>torch.compile turns the quantized model into optimised code; most of int8&apos;s speed-up comes from it. Automatic: on where it pays off.</source>
        <translation>torch.compile 把量化后的模型转换为优化过的代码；int8 的大部分加速来自于此。自动：在能带来收益时开启。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="123"/>
        <location filename="../../widgets/pipeline_editor.py" line="725"/>
        <source>Automatic search</source>
        <translation>自动搜索</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="122"/>
        <source>Chain of steps</source>
        <extracomment>The editor&apos;s modes, in the order of the switch. Step techniques, in the order of the Add buttons. The options each step form shows as its own controls; the others keep their defaults or go in the step&apos;s &quot;Advanced options&quot; field. The options a newly added step writes out, so the saved file says what was chosen. Students offered in the distil form (the field also takes zoo:NAME and file:PATH). The quantize form&apos;s compile choices and the option value each one writes. The step a first distillation gets as its student (there is no model before it). Width of the form labels in pixels, so the fields of every form line up.</extracomment>
        <translation>步骤链</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="130"/>
        <source>Chain techniques: each step works on the model the step before produced, and each result is measured on the ticked devices. Prune, distil, then quantize is a good start.</source>
        <translation>串联多种技术：每个步骤处理上一步生成的模型，每个结果都在勾选的设备上测量。先剪枝、再蒸馏、最后量化是不错的起点。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="136"/>
        <source>Automatic search tries a handful of pruning amounts and chains on one device and keeps the variants that reach your target with quality above the floor.</source>
        <translation>自动搜索在一台设备上尝试几种剪枝比例和步骤组合，保留达到目标且质量高于下限的变体。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="145"/>
        <source>Pruning</source>
        <translation>剪枝</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="146"/>
        <source>Distillation</source>
        <translation>蒸馏</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="147"/>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="153"/>
        <source>Trains a student to give a teacher&apos;s answers: after pruning it wins back most of the lost quality. Takes minutes.</source>
        <translation>训练学生模型给出与教师模型相同的答案：在剪枝之后，它能挽回大部分损失的质量。需要几分钟。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="165"/>
        <source>The model the step before produced (the pruned one, say) keeps learning.</source>
        <translation>上一步生成的模型（例如剪枝后的模型）继续学习。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="170"/>
        <source>The original&apos;s architecture with every layer {value} times as wide, trained from scratch.</source>
        <translation>与原始模型架构相同，但每层宽度为原来的 {value} 倍，从头训练。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="176"/>
        <source>The original with a share {value} of its channels pruned, keeping its other weights.</source>
        <translation>剪掉 {value} 比例通道的原始模型，保留其余权重。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="182"/>
        <source>The built-in architecture {value}, trained from scratch.</source>
        <translation>内置架构 {value}，从头训练。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="186"/>
        <source>The model saved in {value}, trained further.</source>
        <translation>保存在 {value} 中的模型，继续训练。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="189"/>
        <source>previous, width:W, pruned:R, zoo:NAME or file:PATH (e.g. width:0.5).</source>
        <translation>previous、width:W、pruned:R、zoo:NAME 或 file:PATH（例如 width:0.5）。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="197"/>
        <source>The original model</source>
        <translation>原始模型</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="198"/>
        <source>The model from the step before</source>
        <translation>上一步的模型</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="204"/>
        <source>Small (a handful of candidates)</source>
        <translation>小（少量候选）</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="205"/>
        <source>Wide (more amounts and chains; slower)</source>
        <translation>大（更多比例和步骤组合；较慢）</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="211"/>
        <source>Automatic (where it pays off)</source>
        <translation>自动（在能带来收益时）</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="212"/>
        <source>On</source>
        <translation>开启</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="213"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="238"/>
        <source>Something went wrong.</source>
        <translation>出错了。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="731"/>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="732"/>
        <source>The device the targets are measured on; the other ticked devices are measured too.</source>
        <translation>用来衡量目标的设备；其他勾选的设备也会一并测量。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="753"/>
        <source>Latency at most</source>
        <translation>延迟不超过</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="753"/>
        <source> ms</source>
        <translation> ms</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="754"/>
        <source>Keep variants whose median time for one batch is at most this, on the device above.</source>
        <translation>保留在上述设备上单批用时中位数不超过此值的变体。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="757"/>
        <source>Size at most</source>
        <translation>大小不超过</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="757"/>
        <source> MB</source>
        <translation> MB</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="758"/>
        <source>Keep variants whose saved file is at most this big.</source>
        <translation>保留保存后的文件不超过此大小的变体。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="762"/>
        <source>Retraining epochs</source>
        <translation>再训练轮数</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="763"/>
        <source>Epochs of recovery or distillation each pruned candidate gets. More keeps more quality and takes longer.</source>
        <translation>每个剪枝候选进行恢复训练或蒸馏的轮数。越多保留的质量越多，耗时也越长。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="770"/>
        <source>Search</source>
        <translation>搜索范围</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="771"/>
        <source>How many candidates to try: a small search takes minutes, a wide one tries more pruning amounts and chains.</source>
        <translation>要尝试多少个候选：小范围搜索只需几分钟，大范围搜索会尝试更多剪枝比例和步骤组合。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="775"/>
        <source>Turn on at least one target. The variants on the trade-off frontier (none both faster and better) come back.</source>
        <translation>至少开启一个目标。搜索会返回处于最佳权衡的变体（没有其他变体比它们既更快又更好）。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="792"/>
        <source>Measure and judge</source>
        <translation>测量与评判</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="795"/>
        <source>Measure on</source>
        <translation>测量设备</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="803"/>
        <source>Every variant is measured on each ticked device, with the same inputs.</source>
        <translation>每个变体都会用相同的输入在每台勾选的设备上测量。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="836"/>
        <source>Keep at least</source>
        <translation>至少保留</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="836"/>
        <source>of the original&apos;s accuracy</source>
        <translation>的原始准确率</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="837"/>
        <source>Variants whose accuracy on labelled test data falls below this share of the original&apos;s are marked as failing the floor.</source>
        <translation>在带标签的测试数据上，准确率低于原始模型这一比例的变体会被标记为未达质量下限。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="840"/>
        <source>Agree with the original on at least</source>
        <translation>至少在</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="840"/>
        <source>of predictions</source>
        <translation>的预测上与原始模型一致</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="841"/>
        <source>Variants that give the original&apos;s top answer less often than this are marked as failing the floor. Needs no labels.</source>
        <translation>与原始模型给出相同首选答案的比例低于此值的变体会被标记为未达质量下限。无需标签。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="851"/>
        <source>(made from the steps)</source>
        <translation>（根据步骤生成）</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="852"/>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="854"/>
        <source>Latency is measured on batches of this many inputs.</source>
        <translation>测量延迟时每批包含这么多个输入。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="857"/>
        <source>Recipe name</source>
        <translation>配方名称</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="859"/>
        <source>A title for the report and the results; optional.</source>
        <translation>报告和结果的标题；可不填。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="872"/>
        <source>Quality floor</source>
        <translation>质量下限</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="873"/>
        <source>The least quality a variant may keep.</source>
        <translation>变体至少要保留的质量。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="907"/>
        <source>Model: {model}</source>
        <translation>模型：{model}</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="909"/>
        <source>No model yet: load one first.</source>
        <translation>还没有模型：请先加载一个。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="938"/>
        <source>{name} (not found here)</source>
        <translation>{name}（本机没有）</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="944"/>
        <source>The recipe names this device, but this computer does not have it.</source>
        <translation>配方指定了此设备，但这台计算机上没有。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="977"/>
        <source>Load a model first: the recipe needs a model to start from.</source>
        <translation>请先加载模型：配方需要一个起始模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="981"/>
        <source>Tick at least one device to measure on.</source>
        <translation>请至少勾选一台用于测量的设备。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="986"/>
        <source>Turn on a target for the automatic search: a latency, a size or both.</source>
        <translation>请为自动搜索开启目标：延迟、大小或两者都开启。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="999"/>
        <source>Add at least one step (pruning, distillation or quantization) to the chain.</source>
        <translation>请在步骤链中至少添加一个步骤（剪枝、蒸馏或量化）。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1004"/>
        <source>Step {index}, advanced options: {error}</source>
        <translation>第 {index} 步，高级选项：{error}</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1017"/>
        <source>The recipe</source>
        <translation>配方</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1141"/>
        <source>This chain</source>
        <translation>此步骤链</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="230"/>
        <location filename="../../widgets/pipeline_editor.py" line="1177"/>
        <source>Step {index}</source>
        <translation>第 {index} 步</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1252"/>
        <source>2:4 sparsity always removes two of every four weights (0.5).</source>
        <translation>2:4 稀疏总是每 4 个权重移除 2 个（0.5）。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1368"/>
        <source>Other options as TOML, e.g.
{lines}</source>
        <translation>其他选项，用 TOML 格式填写，例如：
{lines}</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1374"/>
        <source>Options without a field above, one per line as TOML (key = value). Anything left out keeps its default:
{names}</source>
        <translation>上方没有对应字段的选项，用 TOML 格式每行写一个（key = value）。未填写的选项保持默认值：
{names}</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1396"/>
        <source>not valid TOML ({problem}).</source>
        <translation>不是有效的 TOML（{problem}）。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1401"/>
        <source>{key} has its own field above.</source>
        <translation>{key} 在上方有单独的字段。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1404"/>
        <source>{key} is not an option of {technique}.</source>
        <translation>{key} 不是 {technique} 的选项。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1481"/>
        <source>The recipe cannot be saved to {path}: {reason}.</source>
        <translation>无法将配方保存到 {path}：{reason}。</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1489"/>
        <source>Open recipe</source>
        <translation>打开配方</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1490"/>
        <source>Recipes (*.toml);;All files (*)</source>
        <translation>配方 (*.toml);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1503"/>
        <source>Save recipe</source>
        <translation>保存配方</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1503"/>
        <source>Recipes (*.toml)</source>
        <translation>配方 (*.toml)</translation>
    </message>
    <message>
        <location filename="../../widgets/pipeline_editor.py" line="1512"/>
        <source>Recipe</source>
        <translation>配方</translation>
    </message>
</context>
<context>
    <name>RecipeWorkflow</name>
    <message>
        <location filename="../../app/recipe_workflow.py" line="101"/>
        <source>Recipe: {title}</source>
        <extracomment>Variant ids in the order the comparison lists them (names can repeat across runs).</extracomment>
        <translation>配方：{title}</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="166"/>
        <source>Recipe finished; report in {folder}</source>
        <translation>配方运行完成；报告位于 {folder}</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="170"/>
        <source>Meets the target: {names}</source>
        <translation>达到目标：{names}</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="171"/>
        <source>No candidate meets the target and the floor.</source>
        <translation>没有候选能同时达到目标和质量下限。</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="199"/>
        <source>Compare {count} variants on {devices}</source>
        <translation>在 {devices} 上对比 {count} 个变体</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="215"/>
        <source>Export the report to a folder</source>
        <translation>将报告导出到文件夹</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="225"/>
        <source>Slimbench comparison</source>
        <translation>Slimbench 对比</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="230"/>
        <source>Drawing the charts and writing the report</source>
        <translation>正在绘制图表并写出报告</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="234"/>
        <source>Export report to {folder}</source>
        <translation>导出报告到 {folder}</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="256"/>
        <source>Layer differences: {a} vs {b}</source>
        <translation>逐层差异：{a} 与 {b}</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="294"/>
        <source>Report written to {path}</source>
        <translation>报告已写入 {path}</translation>
    </message>
</context>
<context>
    <name>SensitivityChart</name>
    <message>
        <location filename="../../widgets/sensitivity_chart.py" line="315"/>
        <source>One of the most sensitive layers: consider leaving it uncompressed.</source>
        <extracomment>Layers highlighted as the most sensitive, unless changed with ``set_highlight_count``. Share of a row&apos;s height the bars of one layer take together. Rows are never taller than this, in pixels: a few layers do not make fat bars. Layer names on the axis take at most this share of the chart&apos;s width, and this many pixels.</extracomment>
        <translation>最敏感的层之一：建议不要压缩此层。</translation>
    </message>
    <message>
        <location filename="../../widgets/sensitivity_chart.py" line="351"/>
        <source>Each bar shows how much the answers change when only that layer is compressed. Longer bars hurt more. The highlighted layers are the most sensitive: leaving them uncompressed keeps most of the quality.</source>
        <translation>每个条形表示只压缩该层时答案的变化程度。条形越长，损害越大。高亮的层最敏感：不压缩它们可保留大部分质量。</translation>
    </message>
    <message>
        <location filename="../../widgets/sensitivity_chart.py" line="490"/>
        <source>Sensitivity of each layer</source>
        <translation>各层敏感度</translation>
    </message>
    <message>
        <location filename="../../widgets/sensitivity_chart.py" line="491"/>
        <source>damage when only that layer is compressed; longer hurts more</source>
        <translation>只压缩该层时造成的损害；越长损害越大</translation>
    </message>
    <message>
        <location filename="../../widgets/sensitivity_chart.py" line="510"/>
        <source>most sensitive layers</source>
        <translation>最敏感的层</translation>
    </message>
</context>
<context>
    <name>TradeoffScatter</name>
    <message>
        <location filename="../../widgets/charts.py" line="908"/>
        <source>Latency (ms), lower is faster</source>
        <translation>延迟 (ms)，越低越快</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="911"/>
        <source>{quality} (%), higher is better</source>
        <translation>{quality} (%)，越高越好</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="914"/>
        <source>Each dot is one version of the model. Further left is faster, higher is more accurate, and a bigger dot is a bigger model. The dashed line joins the versions that no other version beats on both speed and quality: the best trade-offs, shown in bold.</source>
        <translation>每个点是模型的一个版本。越靠左越快，越靠上越准确，点越大模型越大。虚线连接的是在速度和质量上都没有被其他版本同时超越的版本，即最佳权衡，以粗体显示。</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="928"/>
        <source>Bigger dots are bigger models. Ringed dots, joined by the dashed line, are the best trade-offs.</source>
        <translation>点越大，模型越大。带圆环并由虚线相连的点是最佳权衡。</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="935"/>
        <source>No models to compare yet.</source>
        <translation>还没有可对比的模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="938"/>
        <source>Not shown, not measured yet: {names}</source>
        <translation>尚未测量，未显示：{names}</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="1015"/>
        <source>Latency: {value}</source>
        <translation>延迟：{value}</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="1021"/>
        <source>{quality}: {value}</source>
        <translation>{quality}：{value}</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="1028"/>
        <source>Size: {value}</source>
        <translation>大小：{value}</translation>
    </message>
    <message>
        <location filename="../../widgets/charts.py" line="1034"/>
        <source>Device: {device}</source>
        <translation>设备：{device}</translation>
    </message>
</context>
<context>
    <name>ZooCardWidget</name>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="114"/>
        <source>MLP</source>
        <extracomment>Width of every card; their height is that of the tallest card. Cards per row at most, however wide the window. Rows of the recent list shown before it scrolls. The path behind a recent-list item. Bytes per parameter of float32 weights, the size a card shows. Badge tints per model family, drawn faintly over the theme&apos;s base colour.</extracomment>
        <translation>MLP</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="115"/>
        <source>CNN</source>
        <translation>CNN</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="116"/>
        <source>Transformer</source>
        <translation>Transformer</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="123"/>
        <source>A multilayer perceptron: layers in which every input is connected to every output.</source>
        <translation>多层感知机：每层的每个输入都与每个输出相连。</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="127"/>
        <source>A convolutional network: it looks at small patches of an image at a time, the usual design for pictures.</source>
        <translation>卷积网络：每次只看图像的一小块区域，是处理图片的常用结构。</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="132"/>
        <source>A transformer: it compares every part of its input with every other part, the design behind today&apos;s language models.</source>
        <translation>Transformer：把输入的每个部分与其他所有部分相比较，是当今语言模型背后的结构。</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="139"/>
        <source>The kind of network this model is.</source>
        <translation>此模型的网络类型。</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="146"/>
        <source>Not trained yet</source>
        <translation>尚未训练</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="148"/>
        <source>{percent} % accurate on {dataset}</source>
        <translation>在 {dataset} 上准确率 {percent} %</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="186"/>
        <source>Built-in model {name}</source>
        <extracomment>Emitted with ``zoo:NAME`` when the card is clicked or activated from the keyboard.</extracomment>
        <translation>内置模型 {name}</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="192"/>
        <source>Click, or press Enter, to load {name} and look inside it.</source>
        <translation>单击或按 Enter 键，加载 {name} 并查看其内部结构。</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="213"/>
        <source>{count} parameters</source>
        <translation>参数量 {count}</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="220"/>
        <source>Parameters are the numbers the model learned. The size is what they take as ordinary 32-bit numbers (4 bytes each), before any slimming.</source>
        <translation>参数是模型学到的数值。大小是它们以普通 32 位数（每个 4 字节）存储时所占的空间，未经任何精简。</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="233"/>
        <source>Share of the {dataset} test examples, which the model never saw while learning, that it gets right.</source>
        <translation>模型在 {dataset} 测试样本（学习时从未见过）中答对的比例。</translation>
    </message>
</context>
<context>
    <name>ZooGallery</name>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="376"/>
        <source>Start with a built-in model</source>
        <extracomment>``zoo:NAME`` for a built-in model, or the path of a recent model file. The user wants to pick a model file (the app shows the file dialog).</extracomment>
        <translation>从内置模型开始</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="386"/>
        <source>These small models are already trained, so you can try making one smaller and faster right away, or open a model of your own.</source>
        <translation>这些小模型已经训练好，你可以马上试着把其中一个变得更小、更快，也可以打开你自己的模型。</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="403"/>
        <source>Open model file…</source>
        <translation>打开模型文件…</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="410"/>
        <source>Load a PyTorch model saved on this computer (a .pt or .pth file, or an exported program).</source>
        <translation>加载保存在这台计算机上的 PyTorch 模型（.pt 或 .pth 文件，或导出的程序）。</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="422"/>
        <source>Recent models</source>
        <translation>最近使用的模型</translation>
    </message>
    <message>
        <location filename="../../widgets/zoo_gallery.py" line="434"/>
        <source>Models you opened before. Double-click one, or press Enter, to open it again.</source>
        <translation>你以前打开过的模型。双击或按 Enter 键即可再次打开。</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <location filename="../../app/recipe_workflow.py" line="157"/>
        <source>Inspect {name}</source>
        <translation>分析 {name}</translation>
    </message>
    <message>
        <location filename="../../app/recipe_workflow.py" line="276"/>
        <source>{title} failed</source>
        <translation>{title} 失败</translation>
    </message>
</context>
</TS>
