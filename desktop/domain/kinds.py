"""The record kinds: their fields, types and rules, shared by storage, CLI, bundles and Excel.

Field names are English snake_case and are the same everywhere a record leaves the program
(CLI arguments, JSON, bundle lines, spreadsheet mapping). Labels are Vietnamese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from desktop.i18n import _


class FieldType(Enum):
    TEXT = "text"  # one line
    LONGTEXT = "longtext"  # paragraphs (minutes content, descriptions)
    DATE = "date"  # dd/mm/yyyy, stored ISO; partial (mm/yyyy, yyyy) where allowed
    DATETIME = "datetime"  # HH:MM dd/mm/yyyy, stored ISO
    INT = "int"
    BOOL = "bool"
    REF = "ref"  # id of another record
    CODE = "code"  # code of a catalogue item
    CHOICE = "choice"  # one of a fixed set the program itself relies on
    CITIZEN_ID = "citizen_id"  # 12-digit số định danh cá nhân
    PHONE = "phone"


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    label: str
    required: bool = False
    ref: str | None = None  # kind name, for REF
    catalogue: str | None = None  # catalogue name, for CODE (LONGTEXT: a list of its codes)
    choices: tuple[tuple[str, str], ...] = ()  # (stored value, label), for CHOICE
    partial: bool = False  # DATE: month/year or year alone accepted
    not_future: bool = False  # DATE: may not lie after today
    max_length: int = 500
    # Personal data the law treats as sensitive (DOMAIN.md §4.2) or an identity number: the
    # audit log keeps only a keyed hash of its values (desktop.storage.audit).
    sensitive: bool = False
    # CHOICE: the value an empty field means and a new record's editor starts at.
    default: str | None = None


@dataclass(frozen=True)
class Kind:
    name: str  # as typed in the CLI: person, organization …
    table: str
    label: str
    fields: tuple[Field, ...]
    title_field: str  # what names a record in lists and search results
    search_fields: tuple[str, ...] = ()  # folded into the full-text index
    partition_via: tuple[str, ...] = ()  # REF fields (first set wins) whose partition this shares
    order_by: str = "id"  # default SQL order (a whitelisted column)
    then_by: tuple[str, ...] = ()  # columns ordering the rows that tie on the default order
    name_sorted: bool = False  # has a name_key column in Vietnamese name order
    extra_columns: tuple[str, ...] = ()  # derived columns the table also has
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)
    # the fields a record must have (checked for every record an import writes)
    required: tuple[Field, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "required", tuple(f for f in self.fields if f.required))

    def field(self, name: str) -> Field:
        return self.by_name[name]

    @property
    def searchable(self) -> bool:
        return bool(self.search_fields)


GENDERS = (("male", _("Nam")), ("female", _("Nữ")))
# The catalogues (resources/catalogues/catalogues.json), each named for the officer.
CATALOGUES = (("org_type", _("Loại tổ chức")), ("role", _("Chức danh")),
              ("model_type", _("Loại mô hình")), ("model_rating", _("Xếp loại mô hình")),
              ("ethnicity", _("Dân tộc")), ("meeting_kind", _("Loại cuộc họp")),
              ("exit_reason", _("Lý do thôi tham gia")),
              ("commendation_form", _("Hình thức khen thưởng")),
              ("commendation_level", _("Cấp khen thưởng")),
              ("tip_channel", _("Hình thức tiếp nhận nguồn tin")),
              ("tip_category", _("Loại nguồn tin")),
              ("safety_criterion", _("Tiêu chí An toàn về ANTT")))
ORG_STATUSES = (("active", _("Đang hoạt động")), ("paused", _("Tạm dừng")),
                ("dissolved", _("Đã giải thể")))
MODEL_STATUSES = (("active", _("Đang duy trì")), ("paused", _("Tạm dừng")),
                  ("stopped", _("Đã dừng")))
# Độ mật (Luật Bảo vệ bí mật nhà nước 2018; DOMAIN.md §4.4, §4.6.7): a document holding a
# "mat" record carries the «MẬT» mark on every page (desktop/reports/profiles.py).
CLASSIFICATIONS = (("thuong", _("Thường")), ("mat", _("Mật")))
UNIT_LEVELS = (("province", _("Tỉnh/Thành phố")), ("commune", _("Xã/Phường/Đặc khu")),
               ("village", _("Thôn/Bản/Tổ dân phố")), ("district", _("Quận/Huyện (trước 2025)")))

T = FieldType

CLASSIFICATION = Field("classification", T.CHOICE, _("Độ mật"), choices=CLASSIFICATIONS,
                       default="thuong")

UNIT = Kind(
    name="unit", table="unit", label=_("Đơn vị hành chính"), title_field="name",
    fields=(
        Field("name", T.TEXT, _("Tên"), required=True),
        Field("level", T.CHOICE, _("Cấp"), required=True, choices=UNIT_LEVELS),
        Field("division_type", T.TEXT, _("Loại (xã, phường, bản, tổ dân phố…)")),
        Field("code", T.TEXT, _("Mã"), max_length=20),
        Field("code_version", T.TEXT, _("Phiên bản bảng mã"), max_length=40),
        Field("parent_id", T.REF, _("Thuộc đơn vị"), ref="unit"),
        Field("valid_from", T.DATE, _("Hiệu lực từ"), partial=True),
        Field("valid_to", T.DATE, _("Hiệu lực đến"), partial=True),
        Field("successor_id", T.REF, _("Đơn vị kế thừa (sau sắp xếp)"), ref="unit"),
        # A commune in a remote area or an island: tips are transferred within 48 h, not 24 h
        # (TTLT 01/2017; desktop/domain/tips.py).
        Field("remote", T.BOOL, _("Vùng sâu, vùng xa, hải đảo")),
    ),
    search_fields=("name",), order_by="name_key", extra_columns=("name_key",),
)

CATALOGUE_ITEM = Kind(
    name="catalogue", table="catalogue_item", label=_("Danh mục"), title_field="name",
    fields=(
        Field("catalogue", T.CHOICE, _("Danh mục"), required=True, choices=CATALOGUES),
        Field("code", T.TEXT, _("Mã"), required=True, max_length=60),
        Field("name", T.TEXT, _("Tên"), required=True),
        Field("aliases", T.TEXT, _("Tên khác (cách nhau bởi dấu ;)")),
        Field("attrs", T.LONGTEXT, _("Thuộc tính (JSON)")),
        Field("sort_order", T.INT, _("Thứ tự")),
        Field("active", T.BOOL, _("Đang dùng")),
    ),
    order_by="catalogue", then_by=("sort_order",),
)

PERSON = Kind(
    name="person", table="person", label=_("Người"), title_field="full_name",
    fields=(
        Field("full_name", T.TEXT, _("Họ và tên"), required=True, max_length=120),
        Field("birth_date", T.DATE, _("Ngày sinh"), partial=True, not_future=True),
        Field("gender", T.CHOICE, _("Giới tính"), choices=GENDERS),
        Field("ethnicity", T.CODE, _("Dân tộc"), catalogue="ethnicity", sensitive=True),
        Field("religion", T.TEXT, _("Tôn giáo"), max_length=60, sensitive=True),
        Field("citizen_id", T.CITIZEN_ID, _("Số định danh cá nhân (CCCD)"), sensitive=True),
        Field("old_id_number", T.TEXT, _("Số CMND cũ"), max_length=20, sensitive=True),
        Field("phone", T.PHONE, _("Số điện thoại")),
        Field("residence_unit_id", T.REF, _("Nơi cư trú (thôn/bản)"), ref="unit"),
        Field("address", T.TEXT, _("Địa chỉ")),
        Field("education", T.TEXT, _("Trình độ học vấn"), max_length=60),
        Field("notes", T.LONGTEXT, _("Ghi chú")),
        CLASSIFICATION,
        # Set when the officer said this record and another are one person: this id is then
        # an alias of that one (desktop/storage/duplicates.py), a versioned field that syncs.
        Field("merged_into", T.REF, _("Đã gộp vào hồ sơ"), ref="person"),
    ),
    # The CCCD and phone are searched through their own indexes (storage/search.py).
    search_fields=("full_name",), partition_via=("residence_unit_id",),
    order_by="name_key", name_sorted=True, extra_columns=("name_key",),
)

ORGANIZATION = Kind(
    name="organization", table="organization", label=_("Tổ chức"), title_field="name",
    fields=(
        Field("name", T.TEXT, _("Tên tổ chức"), required=True, max_length=200),
        Field("org_type", T.CODE, _("Loại tổ chức"), required=True, catalogue="org_type"),
        Field("unit_id", T.REF, _("Địa bàn (thôn/bản hoặc xã)"), required=True, ref="unit"),
        Field("founded_date", T.DATE, _("Ngày thành lập"), partial=True, not_future=True),
        Field("decision_number", T.TEXT, _("Số quyết định thành lập"), max_length=60),
        Field("decision_date", T.DATE, _("Ngày quyết định"), not_future=True),
        Field("status", T.CHOICE, _("Tình trạng"), choices=ORG_STATUSES),
        Field("notes", T.LONGTEXT, _("Ghi chú")),
        CLASSIFICATION,
    ),
    search_fields=("name",), partition_via=("unit_id",), order_by="name_key",
    extra_columns=("name_key",),
)

MEMBERSHIP = Kind(
    name="membership", table="membership", label=_("Thành viên tổ chức"), title_field="role",
    fields=(
        Field("person_id", T.REF, _("Người"), required=True, ref="person"),
        Field("organization_id", T.REF, _("Tổ chức"), required=True, ref="organization"),
        Field("role", T.CODE, _("Chức danh"), required=True, catalogue="role"),
        Field("joined_date", T.DATE, _("Ngày tham gia"), partial=True, not_future=True),
        Field("decision_number", T.TEXT, _("Số quyết định công nhận"), max_length=60),
        Field("decision_date", T.DATE, _("Ngày quyết định"), not_future=True),
        Field("left_date", T.DATE, _("Ngày thôi tham gia"), partial=True),
        Field("exit_reason", T.CODE, _("Lý do thôi tham gia"), catalogue="exit_reason"),
        Field("exit_decision_number", T.TEXT, _("Số quyết định cho thôi"), max_length=60),
        Field("notes", T.LONGTEXT, _("Ghi chú")),
    ),
    partition_via=("organization_id",),
)

MEETING = Kind(
    name="meeting", table="meeting", label=_("Biên bản họp"), title_field="title",
    fields=(
        Field("organization_id", T.REF, _("Tổ chức"), required=True, ref="organization"),
        Field("kind", T.CODE, _("Loại cuộc họp"), catalogue="meeting_kind"),
        Field("issuer", T.TEXT, _("Ký hiệu cơ quan (sau BB-)"), max_length=20),
        Field("number", T.INT, _("Số biên bản")),
        Field("year", T.INT, _("Năm")),
        Field("title", T.TEXT, _("Tên cuộc họp"), required=True, max_length=300),
        Field("started_at", T.DATETIME, _("Thời gian bắt đầu"), required=True),
        Field("ended_at", T.DATETIME, _("Thời gian kết thúc")),
        Field("place", T.TEXT, _("Địa điểm")),
        Field("chair_id", T.REF, _("Chủ trì"), ref="person"),
        Field("secretary_id", T.REF, _("Thư ký"), ref="person"),
        Field("agenda", T.LONGTEXT, _("Chương trình họp")),
        Field("content", T.LONGTEXT, _("Nội dung")),
        Field("conclusions", T.LONGTEXT, _("Kết luận")),
        Field("votes_for", T.INT, _("Số phiếu tán thành")),
        Field("votes_against", T.INT, _("Số phiếu không tán thành")),
        Field("votes_abstain", T.INT, _("Số không biểu quyết")),
        CLASSIFICATION,
    ),
    search_fields=("title", "place", "content", "conclusions"),
    partition_via=("organization_id",), order_by="started_at",
)

ATTENDANCE = Kind(
    name="attendance", table="attendance", label=_("Thành phần tham dự"), title_field="person_id",
    fields=(
        Field("meeting_id", T.REF, _("Cuộc họp"), required=True, ref="meeting"),
        Field("person_id", T.REF, _("Người"), required=True, ref="person"),
        Field("present", T.BOOL, _("Có mặt"), required=True),
        Field("absence_reason", T.TEXT, _("Lý do vắng mặt")),
    ),
    partition_via=("meeting_id",),
)

ATTACHMENT = Kind(
    name="attachment", table="attachment", label=_("Tệp đính kèm"), title_field="filename",
    fields=(
        Field("owner_kind", T.TEXT, _("Loại bản ghi"), required=True, max_length=40),
        Field("owner_id", T.TEXT, _("Bản ghi"), required=True, max_length=40),
        Field("sha256", T.TEXT, _("Mã băm SHA-256"), required=True, max_length=64),
        Field("filename", T.TEXT, _("Tên tệp"), required=True, max_length=255),
        Field("size", T.INT, _("Kích thước (byte)"), required=True),
        Field("media_type", T.TEXT, _("Kiểu tệp"), max_length=100),
    ),
)

MODEL = Kind(
    name="model", table="model", label=_("Mô hình điển hình"), title_field="name",
    fields=(
        Field("name", T.TEXT, _("Tên mô hình"), required=True, max_length=300),
        Field("model_type", T.CODE, _("Loại mô hình"), required=True, catalogue="model_type"),
        Field("unit_id", T.REF, _("Địa bàn"), required=True, ref="unit"),
        Field("started_date", T.DATE, _("Ngày xây dựng"), partial=True, not_future=True),
        Field("recognition_decision", T.TEXT, _("Quyết định công nhận"), max_length=60),
        Field("recognition_date", T.DATE, _("Ngày công nhận"), not_future=True),
        Field("status", T.CHOICE, _("Tình trạng"), choices=MODEL_STATUSES),
        Field("is_point", T.BOOL, _("Là điểm mô hình")),
        Field("source_model_id", T.REF, _("Nhân rộng từ mô hình"), ref="model"),
        Field("description", T.LONGTEXT, _("Mô tả")),
    ),
    search_fields=("name",), partition_via=("unit_id",), order_by="name_key",
    extra_columns=("name_key",),
)

MODEL_ORG = Kind(
    name="model_org", table="model_org", label=_("Tổ chức thực hiện mô hình"),
    title_field="organization_id",
    fields=(
        Field("model_id", T.REF, _("Mô hình"), required=True, ref="model"),
        Field("organization_id", T.REF, _("Tổ chức"), required=True, ref="organization"),
    ),
    partition_via=("model_id",),
)

REPLICATION = Kind(
    name="replication", table="replication", label=_("Nhân rộng mô hình"), title_field="model_id",
    fields=(
        Field("model_id", T.REF, _("Mô hình được nhân rộng"), required=True, ref="model"),
        Field("unit_id", T.REF, _("Nhân rộng tới địa bàn"), required=True, ref="unit"),
        Field("replicated_date", T.DATE, _("Ngày nhân rộng"), required=True, partial=True,
              not_future=True),
        Field("new_model_id", T.REF, _("Mô hình mới tại địa bàn"), ref="model"),
        Field("notes", T.LONGTEXT, _("Ghi chú")),
    ),
    partition_via=("unit_id",), order_by="replicated_date",
)

EVALUATION = Kind(
    name="evaluation", table="evaluation", label=_("Đánh giá mô hình"), title_field="rating",
    fields=(
        Field("model_id", T.REF, _("Mô hình"), required=True, ref="model"),
        Field("evaluated_date", T.DATE, _("Ngày đánh giá"), required=True, partial=True,
              not_future=True),
        Field("rating", T.CODE, _("Xếp loại"), required=True, catalogue="model_rating"),
        Field("notes", T.LONGTEXT, _("Nhận xét")),
    ),
    partition_via=("model_id",), order_by="evaluated_date",
)

DEED = Kind(
    name="deed", table="deed", label=_("Người tốt, việc tốt"), title_field="description",
    fields=(
        Field("person_id", T.REF, _("Người"), ref="person"),
        Field("organization_id", T.REF, _("Tập thể"), ref="organization"),
        Field("description", T.LONGTEXT, _("Thành tích"), required=True),
        Field("deed_date", T.DATE, _("Ngày"), required=True, partial=True, not_future=True),
        Field("commendation_form", T.CODE, _("Hình thức khen"), catalogue="commendation_form"),
        Field("commendation_level", T.CODE, _("Cấp khen"), catalogue="commendation_level"),
        Field("decision_number", T.TEXT, _("Số quyết định khen thưởng"), max_length=60),
        Field("decision_date", T.DATE, _("Ngày quyết định"), not_future=True),
    ),
    search_fields=("description",), partition_via=("person_id", "organization_id"),
    order_by="deed_date",
)

# A tip from the public (DOMAIN.md §4.5). It names its informant only by the pseudonymous
# source code; the identity is in the vault (desktop/storage/vault.py), never in this record.
TIP = Kind(
    name="tip", table="tip", label=_("Nguồn tin"), title_field="source_code",
    fields=(
        Field("source_code", T.TEXT, _("Mã nguồn tin"), max_length=20),
        Field("received_at", T.DATETIME, _("Thời điểm tiếp nhận"), required=True),
        Field("channel", T.CODE, _("Hình thức tiếp nhận"), required=True,
              catalogue="tip_channel"),
        Field("category", T.CODE, _("Loại nguồn tin"), catalogue="tip_category"),
        Field("unit_id", T.REF, _("Địa bàn xảy ra"), required=True, ref="unit"),
        Field("summary", T.LONGTEXT, _("Nội dung tóm tắt"), required=True),
        Field("received_by", T.TEXT, _("Cán bộ tiếp nhận"), max_length=120),
        Field("record_number", T.TEXT, _("Số biên bản tiếp nhận"), max_length=60),
        Field("valuable", T.BOOL, _("Tin có giá trị")),
        Field("transferred_at", T.DATETIME, _("Thời điểm chuyển Cơ quan điều tra")),
        Field("transferred_to", T.TEXT, _("Cơ quan nhận chuyển giao"), max_length=200),
        Field("case_solved", T.BOOL, _("Đã khám phá vụ việc")),
        Field("case_serious", T.BOOL, _("Vụ rất nghiêm trọng, đặc biệt nghiêm trọng")),
        Field("arrested", T.INT, _("Số đối tượng bắt giữ")),
        Field("weapons", T.INT, _("Vũ khí, vật liệu nổ thu giữ, giao nộp")),
        Field("case_reference", T.TEXT, _("Số hồ sơ vụ việc"), max_length=60),
        Field("outcome", T.LONGTEXT, _("Kết quả xử lý")),
        CLASSIFICATION,
    ),
    search_fields=("source_code", "summary", "record_number", "case_reference"),
    partition_via=("unit_id",), order_by="received_at",
)

# -- the movement's results (issue 13, DOMAIN.md §1.4, §6; desktop/domain/results.py) ------

CAMERA_STATUSES = (("active", _("Đang hoạt động")), ("broken", _("Hỏng, chưa sửa")),
                   ("removed", _("Đã tháo dỡ")))
# Who is evaluated "An toàn về an ninh, trật tự" (TT 124/2021): the last three are
# establishments of their own (ESTABLISHMENT).
SAFETY_SUBJECTS = (("residential", _("Khu dân cư")), ("commune", _("Xã, phường, đặc khu")),
                   ("agency", _("Cơ quan")), ("enterprise", _("Doanh nghiệp")),
                   ("school", _("Cơ sở giáo dục")))
ESTABLISHMENT_TYPES = SAFETY_SUBJECTS[2:]
# TT 124/2021 Điều 2: not evaluated (armed forces units, small and micro enterprises,
# primary schools, kindergartens and nurseries).
EXEMPTIONS = (("armed_forces", _("Đơn vị thuộc lực lượng vũ trang")),
              ("small_enterprise", _("Doanh nghiệp nhỏ, siêu nhỏ")),
              ("primary_school", _("Trường tiểu học")),
              ("kindergarten", _("Trường mầm non, nhà trẻ")))
SAFETY_RESULTS = (("passed", _("Đạt")), ("failed", _("Chưa đạt")))
# The movement's classification (QĐ 510), not the An toàn result.
MOVEMENT_RATINGS = (("excellent", _("Xuất sắc")), ("good", _("Khá")),
                    ("average", _("Trung bình")), ("weak", _("Yếu")))

# A citizen camera system (DOMAIN.md §6.3). Its coordinates are sensitive: hidden from
# public prints, only a keyed hash in the audit log.
CAMERA = Kind(
    name="camera", table="camera", label=_("Camera an ninh"), title_field="owner_name",
    fields=(
        Field("owner_name", T.TEXT, _("Chủ sở hữu (hộ gia đình, tổ chức)"), max_length=200),
        Field("owner_person_id", T.REF, _("Chủ hộ"), ref="person"),
        Field("owner_organization_id", T.REF, _("Tổ chức sở hữu"), ref="organization"),
        Field("unit_id", T.REF, _("Thôn/bản, xã"), required=True, ref="unit"),
        Field("address", T.TEXT, _("Địa chỉ lắp đặt")),
        Field("camera_count", T.INT, _("Số mắt camera"), required=True),
        Field("facing", T.TEXT, _("Hướng quan sát (đường, cổng, ngã ba…)")),
        Field("retention_days", T.INT, _("Số ngày lưu hình")),
        Field("connected", T.BOOL, _("Kết nối, chia sẻ với Công an xã")),
        Field("consent", T.BOOL, _("Chủ sở hữu đồng ý trích xuất hình ảnh")),
        Field("notice_sign", T.BOOL, _("Có biển thông báo ghi hình")),
        Field("installed_date", T.DATE, _("Ngày lắp đặt"), partial=True, not_future=True),
        Field("status", T.CHOICE, _("Tình trạng"), choices=CAMERA_STATUSES, default="active"),
        Field("model_id", T.REF, _("Thuộc mô hình"), ref="model"),
        Field("helped_tips", T.INT, _("Số nguồn tin đã hỗ trợ")),
        Field("helped_cases", T.INT, _("Số vụ việc đã giúp làm rõ")),
        Field("coordinates", T.TEXT, _("Tọa độ (vĩ độ, kinh độ)"), max_length=40,
              sensitive=True),
        Field("notes", T.LONGTEXT, _("Ghi chú")),
    ),
    search_fields=("owner_name", "address"), partition_via=("unit_id",),
    order_by="installed_date",
)

# An agency, enterprise or school evaluated "An toàn về ANTT" (TT 124/2021).
ESTABLISHMENT = Kind(
    name="establishment", table="establishment", label=_("Cơ quan, doanh nghiệp, nhà trường"),
    title_field="name",
    fields=(
        Field("name", T.TEXT, _("Tên"), required=True, max_length=200),
        Field("establishment_type", T.CHOICE, _("Loại"), required=True,
              choices=ESTABLISHMENT_TYPES),
        Field("unit_id", T.REF, _("Địa bàn"), required=True, ref="unit"),
        Field("address", T.TEXT, _("Địa chỉ")),
        Field("head", T.TEXT, _("Người đứng đầu"), max_length=120),
        Field("phone", T.PHONE, _("Số điện thoại")),
        Field("exemption", T.CHOICE, _("Không thuộc diện đánh giá (TT 124)"),
              choices=EXEMPTIONS),
        Field("notes", T.LONGTEXT, _("Ghi chú")),
    ),
    search_fields=("name", "address"), partition_via=("unit_id",), order_by="name_key",
    extra_columns=("name_key",),
)

# The yearly "An toàn về an ninh, trật tự" evaluation (TT 124/2021, DOMAIN.md §1.4).
SAFETY_EVALUATION = Kind(
    name="safety_evaluation", table="safety_evaluation", label=_("Đánh giá An toàn về ANTT"),
    title_field="year",
    fields=(
        Field("subject_kind", T.CHOICE, _("Đối tượng đánh giá"), required=True,
              choices=SAFETY_SUBJECTS),
        Field("unit_id", T.REF, _("Khu dân cư, xã"), required=True, ref="unit"),
        Field("establishment_id", T.REF, _("Cơ quan, doanh nghiệp, nhà trường"),
              ref="establishment"),
        Field("year", T.INT, _("Năm đánh giá"), required=True),
        Field("registered", T.BOOL, _("Đăng ký xây dựng đạt tiêu chuẩn")),
        Field("registered_date", T.DATE, _("Ngày đăng ký")),
        Field("households_percent", T.INT, _("Tỷ lệ hộ gia đình đăng ký (%)")),
        # Codes joined by «; » (CLI, bundles); the window ticks them by name from the list.
        Field("criteria_met", T.LONGTEXT, _("Tiêu chí đạt"), catalogue="safety_criterion"),
        Field("result", T.CHOICE, _("Kết quả"), choices=SAFETY_RESULTS),
        Field("decision_number", T.TEXT, _("Số quyết định công nhận"), max_length=60),
        Field("decision_date", T.DATE, _("Ngày quyết định"), not_future=True),
        Field("decision_issuer", T.TEXT, _("Cơ quan công nhận"), max_length=200),
        Field("movement_rating", T.CHOICE, _("Xếp loại phong trào"), choices=MOVEMENT_RATINGS),
        Field("notes", T.LONGTEXT, _("Ghi chú")),
    ),
    partition_via=("unit_id",), order_by="year",
)

# Crime and order figures of a unit for a period (DOMAIN.md §6.1-6.2), typed from the
# police's own statistics: period is "2025", "2025-Q1", "2025-01", "2025-H1", "K2025-01"
# (15/12/2024-14/01/2025) or "PT2025" (the movement year 15/11/2024-14/11/2025).
CRIME_STAT = Kind(
    name="crime_stat", table="crime_stat", label=_("Số liệu tội phạm, vi phạm"),
    title_field="period",
    fields=(
        Field("unit_id", T.REF, _("Đơn vị"), required=True, ref="unit"),
        Field("period", T.TEXT, _("Kỳ số liệu"), required=True, max_length=20),
        Field("period_start", T.DATE, _("Từ ngày")),
        Field("period_end", T.DATE, _("Đến ngày")),
        Field("social_cases", T.INT, _("Tội phạm về TTXH (vụ)")),
        Field("social_serious", T.INT, _("Trong đó rất nghiêm trọng, đặc biệt nghiêm trọng")),
        Field("social_solved", T.INT, _("Điều tra, khám phá (vụ)")),
        Field("social_offenders", T.INT, _("Đối tượng phạm tội về TTXH")),
        Field("drug_cases", T.INT, _("Ma túy: số vụ bắt giữ")),
        Field("drug_offenders", T.INT, _("Ma túy: số đối tượng")),
        Field("drug_users", T.INT, _("Người sử dụng trái phép chất ma túy")),
        Field("gambling_cases", T.INT, _("Đánh bạc (vụ)")),
        Field("gambling_offenders", T.INT, _("Đánh bạc (đối tượng)")),
        Field("admin_cases", T.INT, _("Xử lý hành chính (vụ)")),
        Field("admin_people", T.INT, _("Xử lý hành chính (đối tượng)")),
        Field("notes", T.LONGTEXT, _("Ghi chú")),
    ),
    partition_via=("unit_id",), order_by="period_start",
)

# A person who moved to another commune (issue 15): the history line the old commune keeps, in
# its own partition (the partition of ``from_unit_id``), versioned and synced like any record.
# The person's record itself goes to the new commune's partition (desktop/storage/moves.py).
MOVE_STATUSES = (("pending", _("Chờ tỉnh chuyển hồ sơ")), ("done", _("Đã chuyển hồ sơ")),
                 ("cancelled", _("Không thực hiện (nơi cư trú đã được sửa lại)")))

PERSON_MOVE = Kind(
    name="person_move", table="person_move", label=_("Chuyển nơi cư trú"),
    title_field="full_name",
    fields=(
        Field("person_id", T.REF, _("Người"), required=True, ref="person"),
        Field("full_name", T.TEXT, _("Họ và tên"), required=True, max_length=120),
        Field("birth_date", T.DATE, _("Ngày sinh"), partial=True),
        Field("from_unit_id", T.REF, _("Nơi cư trú cũ"), required=True, ref="unit"),
        Field("to_unit_id", T.REF, _("Chuyển đến (xã/phường)"), required=True, ref="unit"),
        Field("moved_date", T.DATE, _("Ngày chuyển"), required=True),
        Field("status", T.CHOICE, _("Tình trạng"), choices=MOVE_STATUSES, default="pending"),
        Field("notes", T.LONGTEXT, _("Ghi chú")),
    ),
    partition_via=("from_unit_id",), order_by="moved_date",
)

# The province's approval of a commune's figures for a period (issue 15, as DHIS2's data
# approval; desktop/storage/periods.py): in the commune's partition, so it syncs down. While
# approved and not unlocked by a chief, records dated in the period are not edited.
APPROVAL_STATUSES = (("approved", _("Đã phê duyệt")), ("withdrawn", _("Đã hủy phê duyệt")))

PERIOD_APPROVAL = Kind(
    name="period_approval", table="period_approval", label=_("Phê duyệt số liệu kỳ"),
    title_field="period",
    fields=(
        Field("unit_id", T.REF, _("Xã/phường"), required=True, ref="unit"),
        Field("period", T.TEXT, _("Kỳ số liệu"), required=True, max_length=20),
        Field("period_start", T.DATE, _("Từ ngày"), required=True),
        Field("period_end", T.DATE, _("Đến ngày"), required=True),
        Field("status", T.CHOICE, _("Tình trạng"), required=True, choices=APPROVAL_STATUSES),
        Field("decided_by", T.TEXT, _("Người phê duyệt"), max_length=120),
        Field("unlocked", T.BOOL, _("Chỉ huy đã mở khóa")),
        Field("unlocked_by", T.TEXT, _("Người mở khóa"), max_length=120),
        Field("unlock_reason", T.LONGTEXT, _("Lý do mở khóa")),
    ),
    partition_via=("unit_id",), order_by="period_start",
)

KINDS: dict[str, Kind] = {k.name: k for k in (
    UNIT, CATALOGUE_ITEM, PERSON, ORGANIZATION, MEMBERSHIP, MEETING, ATTENDANCE, ATTACHMENT,
    MODEL, MODEL_ORG, REPLICATION, EVALUATION, DEED,
    TIP, CAMERA, ESTABLISHMENT, SAFETY_EVALUATION, CRIME_STAT,
    PERSON_MOVE, PERIOD_APPROVAL,
)}
KINDS_BY_TABLE: dict[str, Kind] = {k.table: k for k in KINDS.values()}
