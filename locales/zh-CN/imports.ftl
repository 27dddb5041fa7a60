## imports (issue 17): the register file upload and its encodings

imports-file-heading = 上传 CSV 文件
imports-file = CSV 文件
imports-encoding = 文件编码
imports-file-submit = 上传并导入
imports-encoding-utf8 = UTF-8（默认，含 BOM 亦可）
imports-encoding-gb18030 = GB18030 / GBK（简体中文 Windows、Excel）
imports-encoding-big5 = Big5（繁体中文）
imports-encoding-windows-1252 = Windows-1252（西欧语言）
imports-encoding-shift-jis = Shift_JIS（日文）
imports-encoding-euc-kr = EUC-KR（韩文）
imports-not-utf8 = 第 { $line } 行不是 UTF-8 文本：看起来是 { $guess } 编码。请在“文件编码”中选择它后重新上传。未导入任何商家。
imports-not-valid = 第 { $line } 行不是有效的 { $encoding } 文本，请检查所选的文件编码。未导入任何商家。
imports-cut-short = 文件在第 { $line } 行开始的带引号字段中结束：文件不完整。未导入任何商家。
imports-encoding-unknown = 未知的文件编码。
imports-no-file = 请选择要上传的 CSV 文件。未导入任何商家。
