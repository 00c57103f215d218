"""The vocabulary of Vietnamese directives, as data: the words that begin a unit's name (phòng, sở, UBND,
công an ...), the titles that stand for a unit (Chủ tịch, Giám đốc, Trưởng ...), the verbs that say what a
unit must do, and the cues that give a task (giao, yêu cầu, đề nghị ...) or show that a sentence gives none
(narration, petitions, the closing article of a decision). tracker.importer.owners and
tracker.importer.prose hold the rules that use them; a new real phrase usually means one word here.

Every pattern works on text lower-cased by `normalise` (tracker.importer.deadline_grammar)."""

from __future__ import annotations

import re

# Organisation words that begin a unit's name (longest first inside each alternative).
HEAD = (
    r"ủy\s*ban\s*nhân\s*dân|uỷ\s*ban\s*nhân\s*dân|ủy\s*ban\s*mặt\s*trận|ủy\s*ban|uỷ\s*ban|ubnd|ubmttq\S*|mttq|"
    r"hđnd|hội\s+đồng\s+nhân\s+dân|thường\s+trực|ban\s+thường\s+trực|ban\s+chỉ\s+huy|ban\s+chỉ\s+đạo|"
    r"ban\s+quản\s+lý|ban(?!\s+hành)|bch\S*|bcđ|phòng(?!\s+(?:chống|ngừa|cháy|tránh|dịch|họp))|"
    r"sở(?!\s+(?:hữu|thích))|công\s+an|trung\s+tâm|văn\s+phòng|trạm|"
    r"hội(?!\s+(?:nghị|thi|diễn|thảo|trại|chợ|họp|viên))|tổ\s+dân\s+phố|tdp|"
    r"tổ\s+chức\s+(?:chính\s+trị|đoàn\s+thể|hội|xã\s+hội)|tổ(?!\s+(?:chức|quốc|hợp))|chi\s+bộ|đảng\s+bộ|chi\s+hội|"
    r"chi\s+đoàn|"
    r"đội(?!\s+ngũ)|bộ\s+phận|chi\s+cục|cục(?!\s+bộ)|đài|trường(?!\s+hợp)|bệnh\s+viện|thanh\s+tra|kho\s+bạc|"
    r"chi\s+nhánh|mặt\s+trận|đoàn\s+thanh\s+niên|liên\s+đoàn|đảng\s+ủy|tòa\s+án|viện\s+kiểm\s+sát|"
    r"tổng\s+công\s+ty|công\s+ty|thành\s+phố|tp\.?|thị\s+xã|thị\s+trấn|phường|xã(?!\s+hội)|huyện|quận|tỉnh|"
    r"khu\s+phố|thôn|ấp|cấp\s+(?:huyện|xã|tỉnh)|cơ\s+quan|đơn\s+vị|ngành|bộ(?!\s+(?:máy|hồ\s+sơ|tiêu\s+chí))|"
    r"lực\s+lượng|hợp\s+tác\s+xã|khu\s+dân\s+cư"
)
# Kinds of unit whose names are a function ("Ban Quản lý dự án", "Đội quản lý trật tự đô thị", "Tổ kiểm tra").
NAMED_BY_FUNCTION = re.compile(r"(?:ban|phòng|đội|tổ|bộ\s+phận|trung\s+tâm|chi\s+cục|cục|văn\s+phòng|đoàn)$")
# Titles stand for the unit they head: "Giám đốc Sở Y" is Sở Y, "Chánh Văn phòng" is Văn phòng.
TITLE = (
    r"(?:phó\s+)?(?:chủ\s+tịch|giám\s+đốc|tổng\s+giám\s+đốc|thủ\s+trưởng|chỉ\s+huy\s+trưởng|trạm\s+trưởng|"
    r"cục\s+trưởng|chi\s+cục\s+trưởng|hiệu\s+trưởng|lãnh\s+đạo|tổ\s+trưởng|trưởng\s+ban|trưởng(?=\s+(?:phòng|"
    r"công\s+an|ban|trạm|đài|khoa))|trưởng|chánh(?=\s+(?:văn\s+phòng|thanh\s+tra)))"
)
QUANTIFIER = r"(?:(?:tất\s+cả|toàn\s+thể)\s+)?(?:các|từng|mỗi|\d{1,3})\s+"
HEAD_AT = re.compile(rf"(?:{TITLE}\s+)?(?:{QUANTIFIER})?(?:{HEAD})(?!\w)")
TITLE_AT = re.compile(rf"{TITLE}\s+(?=(?:{QUANTIFIER})?(?:{HEAD})(?!\w))")
ANY_HEAD_AT = re.compile(rf"(?:{TITLE}\s+)?(?:{QUANTIFIER})?(?:{HEAD})(?!\w)|{TITLE}(?!\w)")
PERSON = re.compile(r"(?:đồng\s+chí|đ/c|ông|bà)(?!\w)")

# Verbs and modal words that begin what an owner must do. They end an owner phrase.
STRONG_VERBS = (
    r"chủ\s*trì|chu\s+trì|phối\s+hợp|thực\s+hiện|triển\s+khai|rà\s+soát|tham\s+mưu|nghiên\s+cứu|báo\s+cáo|"
    r"khẩn\s+trương|tập\s+trung|chủ\s+động|tiếp\s+tục|hoàn\s+thành|hoàn\s+thiện|hoàn\s+chỉnh|đẩy\s+nhanh|xử\s+lý|"
    r"giải\s+quyết|tiến\s+hành|hướng\s+dẫn|tăng\s+cường|theo\s+dõi|đôn\s+đốc|cập\s+nhật|có\s+trách\s+nhiệm|"
    r"có\s+nhiệm\s+vụ|chịu\s+trách\s+nhiệm|cần|phải|làm\s+tốt|thành\s+lập|bàn\s+giao|nộp|tiếp\s+thu|quán\s+triệt|"
    r"duy\s+trì|chuẩn\s+bị|được\s+giao|sớm|kịp\s+thời|nghiêm\s+túc|quan\s+tâm|xác\s+minh|đề\s+xuất|trình|"
    r"khắc\s+phục|bố\s+trí|ban\s+hành|tổng\s+hợp|điều\s+chỉnh|bổ\s+sung|thẩm\s+định|lựa\s+chọn|thu\s+hồi|"
    r"cung\s+cấp|gửi|tháo\s+dỡ|(?<!công\s)lập|tham\s+gia|kiên\s+quyết|nắm\s+bắt|thường\s+xuyên|định\s+kỳ|đảm\s+bảo|"
    r"bảo\s+đảm|nâng\s+cao|củng\s+cố|kiện\s+toàn|sắp\s+xếp|giải\s+tỏa|ngăn\s+chặn|tiếp\s+nhận|xem\s+xét|"
    r"đánh\s+giá|tổng\s+kết|sơ\s+kết|chấn\s+chỉnh|phân\s+công|làm\s+rõ|công\s+khai|niêm\s+yết|vận\s+động|"
    r"tuyên\s+truyền|thống\s+nhất|tích\s+cực|ưu\s+tiên|trực\s+tiếp|huy\s+động|tổ\s+chức\s+thực\s+hiện|"
    r"tổ\s+chức\s+triển\s+khai|ra\s+quân|dẹp|xử\s+phạt|cưỡng\s+chế|di\s+dời|thu\s+gom|nạo\s+vét|thi\s+công|"
    r"sửa\s+chữa|phát\s+động|đẩy\s+mạnh|tập\s+huấn|điều\s+tra|khảo\s+sát|công\s+bố|trả\s+lời|giải\s+đáp|"
    r"xác\s+nhận|vận\s+hành|mua\s+sắm|giải\s+ngân|quyết\s+toán|thanh\s+toán|lấy\s+ý\s+kiến|góp\s+ý|"
    r"hoàn\s+tất|nắm\s+chắc|nắm|phổ\s+biến|trang\s+trí|treo|rà|đề\s+nghị\s+cấp|họp|làm\s+việc|khai\s+mạc|"
    r"bế\s+mạc|phát\s+biểu"
)
# Verbs that also occur inside names, right after the organisation word ("Ban Quản lý dự án", "Ban Chỉ
# đạo", "Chi cục Thống kê") or capitalised ("Sở Kế hoạch và Đầu tư"); the domain words "xây dựng", "đầu
# tư", "thanh tra" also deeper inside ("Tổ Thanh tra xây dựng", "Bộ phận Địa chính xây dựng").
WEAK_VERBS = (
    r"xây\s+dựng|tổ\s+chức|quản\s+lý|kiểm\s+tra|chỉ\s+đạo|thanh\s+tra|(?<!chủ\s)đầu\s+tư|hỗ\s+trợ|giám\s+sát|"
    r"thống\s+kê"
)
DOMAIN_WORDS = re.compile(r"(?:xây\s+dựng|đầu\s+tư|thanh\s+tra)(?!\w)")
STRONG_AT = re.compile(rf"(?:{STRONG_VERBS})(?!\w)")
WEAK_AT = re.compile(rf"(?:{WEAK_VERBS})(?!\w)")
# Words after which an owner's name is over: a co-subject, a purpose, a place, an adverb.
STOP_AT = re.compile(
    r"(?:cùng|để|nhằm|theo|về|tại|trên\s+địa\s+bàn|trên\s+toàn|trong|cũng|đã|sẽ|đang|vừa|không|chưa|thì|"
    r"là|có|được|với|nếu|khi|sau|trước|từ|đến|của\s+(?:ubnd|ủy\s+ban|uỷ\s+ban)|nêu|này|đó|như|trên\s+cơ\s+sở|"
    r"căn\s+cứ|ngay|bằng|do|vào|lại|làm|đạt|gồm|bao\s+gồm|thuộc|giao|yêu\s+cầu|đề\s+nghị|(?:ủy|uỷ)\s+quyền|kính|trân\s+trọng|thông\s+báo)(?!\w)"
)
TOKEN = re.compile(r"\w+(?:[&./-]\w+)*|[^\w\s]")
MAX_TOKENS = 45

# "các phòng, ban, ngành", "từng cơ quan, ban, ngành", "các bộ phận chuyên môn liên quan": every unit.
GENERIC_WORDS = {
    "cac", "tung", "tat", "ca", "toan", "the", "moi", "va", "phong", "ban", "nganh", "co", "quan", "don", "vi",
    "bo", "phan", "chuyen", "mon", "lien", "su", "nghiep", "truc", "thuoc", "so", "chuc", "nang", "doan", "hanh",
    "chinh", "cong", "tinh", "huyen", "phuong", "xa", "thi", "cua", "nha", "nuoc"
}
GENERIC_CORE = re.compile(r"\b(phong|ban|nganh|co quan|don vi|bo phan|so)\b")
LEVELS = {
    "huyen", "quan", "thi", "xa", "tran", "phuong", "tinh", "thanh", "pho", "tp", "cac", "va"
}

OBJECT_CUE = re.compile(
    r"(?<!\w)(?:giao\s+(?:trách\s+nhiệm|nhiệm\s+vụ)(?:\s+cho)?|giao\s*cho|giao|yêu\s+cầu|đề\s+nghị|(?:ủy|uỷ)\s+quyền(?:\s+cho)?|"
    r"kính\s+mong|kính\s+đề\s+nghị|chỉ\s+thị(?:\s+cho)?|phân\s+công(?:\s+cho)?|(?P<sent>gửi))(?!\w)"
)
# "văn bản gửi Trưởng Công an huyện, Chủ tịch UBND xã X, chỉ đạo xác minh ...": the addressees act.
SENT_TO_ACT = re.compile(r"\s*,\s*(?:yêu\s+cầu|đề\s+nghị|chỉ\s+đạo)(?!\w)")
# Words before a cue that make it something else: "bàn giao", "được giao", "theo đề nghị", "kiến nghị".
NOT_A_CUE_BEFORE = re.compile(
    r"(?:bàn|chuyển|được|đã|nhiệm\s+vụ|theo|đáp\s+ứng|với|có|các|những|của|mọi|tờ\s+trình|văn\s+bản|đơn|kiến|"
    r"ý\s+kiến)\s*$"
)
NOT_A_CUE_AFTER = re.compile(r"\s*(?:thông|dịch|lưu|đất|nhận|kết|của|tại|xem\s+xét|về|là)(?!\w)")
MEETING = re.compile(r"\s*(ban)(?!\w)")  # "họp giao ban", unless it is "Giao Ban Văn hóa ..."
# A request from below is a petition, not an assignment: "Tổ dân phố đề nghị ...", "gia đình ông đề nghị".
PETITIONER = re.compile(
    r"(?:tổ\s+dân\s+phố|hộ\s+dân|gia\s+đình(?:\s+\S+){0,3}|công\s+dân|người\s+dân|(?<!ban\s)(?<!đồng\s)nhân\s+dân|doanh\s+nghiệp|"
    r"cử\s+tri|thôn)(?:\s+\S+){0,3}?\s+(?:cũng\s+|đã\s+|có\s+đơn\s+)?$"
)
OBLIGATION = re.compile(
    r"\s*(?:cũng\s+)?(?:cần|phải|có\s+trách\s+nhiệm|có\s+nhiệm\s+vụ|được\s+giao|chịu\s+trách\s+nhiệm|khẩn\s+trương)(?!\w)"
)
# Narration, not direction: "Trạm y tế đã phối hợp ...", "UBND phường sẽ tăng cường ...".
NARRATION = re.compile(r"\s*(?:cũng\s+)?(?:đã|đang|vừa|sẽ|được(?!\s+giao)|không|chưa)(?!\w)")
DIRECTS = re.compile(
    r"\s*(?:cũng\s+)?(?:giao|yêu\s+cầu|đề\s+nghị|chỉ\s+đạo|(?:ủy|uỷ)\s+quyền|phân\s+công|kính|trân\s+trọng|"
    r"thông\s+báo|kết\s+luận|khẳng\s+định|ghi\s+nhận|đánh\s+giá)(?!\w)"
)
# The closing article of every decision ("... chịu trách nhiệm thi hành Quyết định này") assigns nothing to track.
BOILERPLATE = re.compile(r"(?<!\w)thi\s+hành\s+(?:quyết\s+định|thông\s+báo|văn\s+bản|chỉ\s+thị|kế\s+hoạch)\s+này")
CROSSES_COMMA = re.compile(
    r"\s*,?\s*(?:cùng|trên\s+cơ\s+sở|căn\s+cứ|theo|trên\s+địa\s+bàn|tại|trong\s+phạm\s+vi)(?!\w)"
)
REPORTED = re.compile(r"\s*(?:đã|đang|vừa)(?!\w)")  # "Đã giải ngân ...": an item of a report
CONNECTOR = re.compile(
    r"^\s*(?:(?:đồng\s+thời|trong\s+đó|theo\s+đó|bên\s+cạnh\s+đó|ngoài\s+ra|mặt\s+khác|riêng|sau\s+đó)\s*,?\s*)+"
)
LEAD_IN_WORDS = re.compile(
    r"(?<!\w)(?:kết\s+luận|chỉ\s+đạo|yêu\s+cầu|đề\s+nghị|giao|nhiệm\s+vụ)(?!\w)"
)
# A colon after these opens an address, a time or a list of parts, not a list of tasks.
NOT_A_LEAD_IN = re.compile(r"(?:kính\s+gửi|nơi\s+nhận|thời\s+gian|địa\s+điểm|gồm)\s*$")
LEAD_IN_END = re.compile(
    r"(?<!\w)(?:yêu\s+cầu|đề\s+nghị|chỉ\s+đạo|kết\s+luận|giao|sau|như\s+sau|cụ\s+thể|như|thực\s+hiện|"
    r"(?:các|một\s+số|những)\s+(?:nhiệm\s+vụ|nội\s+dung|việc|công\s+việc)(?:\s+[^\d\s]\S*){0,12}"
    r"(?:\s+\S*\d\S*)?)\s*$"
)
# Who speaks a lead-in whose items name no owner: "Đ/c Phó Chủ tịch UBND quận yêu cầu:", "Kết luận
# cuộc họp, ...:". A report's "Chỉ đạo thực hiện các nhiệm vụ theo kế hoạch năm học:" has no speaker.
SPEAKER = re.compile(
    r"(?<!\w)(?:chủ\s+tịch|pct|lãnh\s+đạo|đồng\s+chí|đ/c|thường\s+trực|ubnd|ủy\s+ban|uỷ\s+ban|hội\s+nghị|"
    r"cuộc\s+họp|phiên\s+họp|kết\s+luận)(?!\w)"
)
# The period a list is for: "nhiệm vụ tháng 11", "công tác quý III/2026", "kế hoạch tháng 6 năm 2026".
PERIOD = re.compile(
    r"(?:nhiệm\s+vụ|công\s+tác|kế\s+hoạch|chương\s+trình|trọng\s+tâm)\s+"
    r"((?:tháng\s+\d{1,2}|quý\s+[ivx\d]+)(?:\s*[/.]\s*\d{4}|\s+năm\s+\d{4})?)(?!\w)"
)
MARKER = re.compile(r"^\s*(?:[-–•+*]|\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ][).](?=\s))\s*")
# The expected output where a clause names it: "(sản phẩm: Kế hoạch ...)", "kết quả là báo cáo ...".
OUTPUT = re.compile(r"(?<!\w)(?:sản\s+phẩm|kết\s+quả\s+cần\s+đạt)\s*(?:là|:)\s*([^;.()]+)")
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”']?\s+(?=[\"“'(]?[A-ZÀ-ỸĐ0-9])|(?<=\./\.)\s*")
ABBREVIATION = re.compile(r"(?:^|\s)(?:[A-ZĐ][A-Za-zĐđ]{0,2}|tp|tx|q|h|p|đ/c|ths|ts|v\.v)\.$")
